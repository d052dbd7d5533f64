import type { Row } from './row.js';
import { trimCrmString } from '../normalize/crm-values.js';

/**
 * A warehouse value as JSON a CRM or webhook takes: strings trimmed for CRM fields (a webhook
 * passes `trim = false` and gets them byte for byte), dates as ISO strings,
 * bigints as numbers when exact (else strings), `null` kept (it clears a field). `undefined`
 * means "cannot be sent" (an object, a function, NaN).
 */
export function jsonValue(v: unknown, trim = true): unknown {
  if (v === null) return null;
  if (typeof v === 'string') return trim ? trimCrmString(v) : v;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.toISOString();
  return undefined;
}

/** Maps `column -> field` pairs of a row through {@link jsonValue}; absent columns are left out. */
export function mappedFields(row: Row, mapping: Readonly<Record<string, string>>): { fields: Record<string, unknown>; bad?: string } {
  const fields: Record<string, unknown> = {};
  for (const [column, field] of Object.entries(mapping)) {
    if (!(column in row)) continue;
    const v = jsonValue(row[column]);
    if (v === undefined) return { fields, bad: column };
    fields[field] = v;
  }
  return { fields };
}
