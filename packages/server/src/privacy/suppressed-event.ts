import type { SuppressionList } from './suppression-list.js';

const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined);

/**
 * The identifiers an event names a person by: its user id and anonymous id, and the email of its
 * traits (top-level, or the context's). Spool rows name the same under their column names.
 */
function idsOf(e: Record<string, unknown>, userKey: string, anonKey: string): (string | undefined)[] {
  return [
    text(e[userKey]),
    text(e[anonKey]),
    text(obj(e['traits'])?.['email']),
    text(obj(obj(e['context'])?.['traits'])?.['email']),
  ];
}

/**
 * Whether an event as sent (Segment fields: `userId`, `anonymousId`) names a suppressed person.
 * Anything that is not an object names no one. Free when the list is empty.
 */
export function isSuppressedEvent(list: SuppressionList, event: unknown): boolean {
  if (list.size === 0) return false;
  const e = obj(event);
  return e !== undefined && list.has(idsOf(e, 'userId', 'anonymousId'));
}

/**
 * Whether a spool line (a warehouse row as JSON: `user_id`, `anonymous_id`) names a suppressed
 * person. A failed event's row is matched on the raw event it quarantines. Free when the list is
 * empty; a line that is not JSON is left to the loader (which quarantines it).
 */
export function isSuppressedRow(list: SuppressionList, line: string): boolean {
  if (list.size === 0) return false;
  let row: Record<string, unknown> | undefined;
  try {
    row = obj(JSON.parse(line));
  } catch {
    // Not JSON: the loader quarantines the line (see above), nothing of a person's is in it to match.
    return false;
  }
  if (!row) return false;
  if (row['kind'] === 'failed') {
    try {
      return isSuppressedEvent(list, JSON.parse(String(row['raw'])));
    } catch {
      // A quarantined body that was never JSON names no one: kept as it came.
      return false;
    }
  }
  return list.has(idsOf(row, 'user_id', 'anonymous_id'));
}

/**
 * Whether a row a sync or forwarding is about to send names a suppressed person: any string
 * value of it that hashes to a suppressed identifier (a sync's key may be a user id, an email or
 * any column holding one).
 */
export function isSuppressedRecord(list: SuppressionList, record: Readonly<Record<string, unknown>>): boolean {
  if (list.size === 0) return false;
  const values: string[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (typeof v === 'string') values.push(v);
    else if (depth < 3 && typeof v === 'object' && v !== null) for (const x of Object.values(v)) walk(x, depth + 1);
  };
  walk(record, 0);
  return list.has(values);
}
