import type { Row } from './row.js';

/** A non-empty trimmed string from a column, or `undefined` (null, empty, not a scalar). */
export function readString(row: Row, column: string): string | undefined {
  const v = row[column];
  if (typeof v === 'string') return v.trim() === '' ? undefined : v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'bigint') return v.toString();
  return undefined;
}

/** A finite number from a number or numeric string column, else `undefined`. */
export function readNumber(row: Row, column: string): number | undefined {
  const v = row[column];
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

const WAREHOUSE_DATETIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)$/;

/**
 * A point in time from a column, as epoch milliseconds:
 * - a `Date`;
 * - an ISO-8601 / RFC 3339 string with an offset (`2026-11-20T19:05:00Z`);
 * - a warehouse DATETIME without offset (`2026-11-20 19:05:00`), read as UTC, which is how
 *   Touchline's warehouse stores every timestamp;
 * - a number: epoch seconds when below 1e11 (before year 5138), else epoch milliseconds.
 */
export function readTime(row: Row, column: string): number | undefined {
  const v = row[column];
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.getTime();
  if (typeof v === 'number' || typeof v === 'bigint') {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) return undefined;
    return n < 1e11 ? n * 1000 : n;
  }
  if (typeof v === 'string' && v.trim() !== '') {
    const s = v.trim();
    const local = WAREHOUSE_DATETIME.exec(s);
    const t = Date.parse(local ? `${local[1]}T${local[2]}Z` : s);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}
