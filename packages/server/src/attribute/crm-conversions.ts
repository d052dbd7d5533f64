import { createHash } from 'node:crypto';
import { EMAIL_ID_PREFIX } from '../identity/identity-sql.js';

/**
 * Offline conversions from a CRM export (CSV or NDJSON): one row per conversion with a user id or
 * an email, a name ("Opportunity Created"), a value and a time. Each row becomes a Segment `track`
 * event that goes through the same validation and spool as live traffic, so the conversion is a
 * raw fact in `events` like any other:
 *
 *     {"type": "track", "event": "<name>", "userId": "<user id>"      (or "anonymousId": "email:<address>"),
 *      "timestamp": "<time>", "messageId": "crm-<id or row hash>", "properties": {"value": 1200, "currency": "EUR", …}}
 *
 * A row with only an email is keyed `email:<address>` (trimmed, lower case); identity resolution
 * links it to the user whose identify call carried that `traits.email`, whenever that identify
 * arrives. The message id is derived from the row's id column (or its content), so importing the
 * same export twice within the dedup window stores each conversion once.
 */
/** The column names each part of a conversion is read from (case, spaces, dots and dashes ignored). */
export const CONVERSION_COLUMNS = {
  user: ['user_id', 'userid', 'user', 'customer_id', 'contact_id'],
  email: ['email', 'email_address', 'contact_email', 'mail'],
  name: ['name', 'conversion', 'event', 'stage', 'status', 'event_name'],
  value: ['value', 'amount', 'revenue', 'deal_value', 'total'],
  currency: ['currency', 'currency_code'],
  time: ['time', 'timestamp', 'date', 'created_at', 'closed_at', 'occurred_at', 'converted_at', 'close_date'],
  id: ['id', 'message_id', 'record_id', 'opportunity_id', 'deal_id'],
} as const;
const COLUMNS = CONVERSION_COLUMNS;

const norm = (k: string) => k.trim().toLowerCase().replace(/[\s.-]+/g, '_');

function pick(row: Record<string, unknown>, names: readonly string[]): [string, unknown] | undefined {
  for (const [k, v] of Object.entries(row)) {
    if (names.includes(norm(k)) && v !== undefined && v !== null && v !== '') return [k, v];
  }
  return undefined;
}

/** `1,200.50`, `€1200`, `1200 EUR` → 1200.5; anything else is kept as given (the value reads as 0). */
function number(v: unknown): unknown {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return v;
  const cleaned = v.replace(/[\s,$€£¥]|[A-Za-z]{3}$/g, '');
  const n = Number(cleaned);
  return cleaned !== '' && Number.isFinite(n) ? n : v;
}

function time(v: unknown): unknown {
  if (typeof v !== 'string' && typeof v !== 'number') return v;
  const ms = typeof v === 'number' ? (v < 1e11 ? v * 1000 : v) : Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : v;
}

/** True when a record looks like a CRM conversion row rather than a Segment event. */
export function looksLikeConversionRow(row: unknown): boolean {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) return false;
  const r = row as Record<string, unknown>;
  if ('type' in r) return false;
  return pick(r, COLUMNS.name) !== undefined && (pick(r, COLUMNS.user) !== undefined || pick(r, COLUMNS.email) !== undefined);
}

/** One CRM row as a `track` event; what it cannot map is left for validation to refuse with a reason. */
export function conversionRowToEvent(row: unknown): unknown {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) return row;
  const r = row as Record<string, unknown>;
  const used = new Set<string>();
  const take = (names: readonly string[]) => {
    const hit = pick(r, names);
    if (hit) used.add(hit[0]);
    return hit?.[1];
  };
  const user = take(COLUMNS.user);
  const email = take(COLUMNS.email);
  const name = take(COLUMNS.name);
  const value = take(COLUMNS.value);
  const currency = take(COLUMNS.currency);
  const at = take(COLUMNS.time);
  const id = take(COLUMNS.id);
  const properties: Record<string, unknown> = {};
  if (value !== undefined) properties['value'] = number(value);
  if (typeof currency === 'string') properties['currency'] = currency.trim().toUpperCase();
  // Other columns travel as properties: the export's facts are kept.
  for (const [k, v] of Object.entries(r)) if (!used.has(k) && v !== '' && v !== undefined) properties[k] = v;
  const event: Record<string, unknown> = { type: 'track', properties, context: { library: { name: 'touchline-import', version: 'crm' } } };
  if (typeof name === 'string') event['event'] = name.trim();
  if (user !== undefined) event['userId'] = typeof user === 'number' ? String(user) : user;
  else if (typeof email === 'string') event['anonymousId'] = EMAIL_ID_PREFIX + email.trim().toLowerCase();
  if (at !== undefined) event['timestamp'] = time(at);
  event['messageId'] = `crm-${id !== undefined ? String(id) : createHash('sha1').update(JSON.stringify(r)).digest('hex').slice(0, 24)}`;
  return event;
}

/**
 * The import's row transform: with `force` every row is a conversion row; with `auto` the first
 * row decides (a file of Segment events has `type`; a CRM export has a name and a user id or email).
 */
export function conversionImport(mode: 'force' | 'auto'): { transform(row: unknown): unknown; readonly active: boolean } {
  let decided: boolean | null = mode === 'force' ? true : null;
  return {
    transform(row) {
      if (decided === null) decided = looksLikeConversionRow(row);
      return decided ? conversionRowToEvent(row) : row;
    },
    get active() {
      return decided === true;
    },
  };
}
