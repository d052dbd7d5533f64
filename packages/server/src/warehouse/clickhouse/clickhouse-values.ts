import { ColumnType, type Column } from '../schema.js';
import { TimestampFlavor } from './clickhouse-features.js';
import { BOOL_COLUMNS } from './clickhouse-schema.js';

/**
 * Values in and out of ClickHouse, so that results are the same JSON-safe values DuckDB gives:
 * timestamps as ISO-8601 UTC with milliseconds, 64-bit integers as numbers when exact, booleans
 * as booleans.
 */

/** A timestamp the way the table stores it, or null if the text is not a time. */
const CANONICAL_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Whether canonical ISO text (CANONICAL_ISO) reads back as itself, i.e. Date.parse finds a time
 * and toISOString writes the same text: every field in range, the day within its month (proleptic
 * Gregorian, as Date counts). The same answer as that round trip, at a fraction of its cost: the
 * loader checks four to six timestamps per event.
 */
export function namesItsOwnInstant(v: string): boolean {
  const d = (i: number) => v.charCodeAt(i) - 48;
  const year = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3);
  const month = d(5) * 10 + d(6);
  const day = d(8) * 10 + d(9);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1]! + (month === 2 && leap ? 1 : 0)) return false;
  return d(11) * 10 + d(12) < 24 && d(14) < 6 && d(17) < 6;
}

export function encodeTimestamp(v: unknown, flavor: TimestampFlavor): string | null {
  // The spool writes timestamps as toISOString() does: keep those as they are when valid.
  if (flavor === TimestampFlavor.IsoString && typeof v === 'string' && CANONICAL_ISO.test(v)) return namesItsOwnInstant(v) ? v : null;
  if (typeof v !== 'string' && typeof v !== 'number') return null;
  const ms = typeof v === 'number' ? v : Date.parse(v);
  if (!Number.isFinite(ms)) return null;
  const iso = new Date(ms).toISOString();
  // Years outside 0000-9999 would break the fixed-width text order; DuckDB refuses most of them too.
  if (iso.length !== 24) return null;
  return flavor === TimestampFlavor.DateTime64 ? `${iso.slice(0, 10)} ${iso.slice(11, 23)}` : iso;
}

/** Thrown for a spooled value the table cannot hold; the line is quarantined with this reason. */
export class UnloadableValueError extends Error {
  override readonly name = 'UnloadableValueError';
}

/** One spool line's values for the given columns, ready for `INSERT … FORMAT JSONEachRow`. */
export function encodeRow(line: Record<string, unknown>, columns: readonly Column[], flavor: TimestampFlavor): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of columns) {
    const v = line[c.name];
    if (v === undefined || v === null) continue;
    out[c.name] = encodeValue(c, v, flavor);
  }
  return out;
}

/**
 * One present (non-null) spooled value as its column stores it; both ways of reading a spooled
 * line (JSON.parse and the event-line scanner) go through here, so they agree value for value.
 */
export function encodeValue(c: Column, v: unknown, flavor: TimestampFlavor): unknown {
  switch (c.type) {
    case ColumnType.Timestamp: {
      const t = encodeTimestamp(v, flavor);
      if (t === null) throw new UnloadableValueError(`column ${c.name}: ${JSON.stringify(v)} is not a timestamp`);
      return t;
    }
    case ColumnType.Bool:
      // As strict as DuckDB's BOOLEAN: anything else is not a boolean, not "false".
      if (v === true || v === 1 || v === 'true' || v === '1') return 1;
      if (v === false || v === 0 || v === 'false' || v === '0') return 0;
      throw new UnloadableValueError(`column ${c.name}: ${JSON.stringify(v)} is not a boolean`);
    case ColumnType.Int: {
      const n = typeof v === 'number' ? v : Number(v);
      if (!Number.isSafeInteger(n)) throw new UnloadableValueError(`column ${c.name}: ${JSON.stringify(v)} is not an integer`);
      return n;
    }
    default:
      return typeof v === 'string' ? v : JSON.stringify(v);
  }
}

/** Milliseconds since the epoch of a wall-clock time in `timeZone`. */
function zonedToEpoch(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, timeZone: string): number {
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  if (/^(Etc\/)?(UTC|UCT|GMT|Zulu|Universal)$/i.test(timeZone)) return asUtc;
  const offsetAt = (t: number) => {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    }).formatToParts(new Date(t));
    const p = (type: string) => Number(parts.find((x) => x.type === type)?.value);
    return Date.UTC(p('year'), p('month') - 1, p('day'), p('hour'), p('minute'), p('second')) - Math.floor(t / 1000) * 1000;
  };
  const guess = asUtc - offsetAt(asUtc);
  return asUtc - offsetAt(guess);
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?)?$/;

/** `2026-03-01 11:59:58[.123]` (ClickHouse text) in the given zone, as ISO-8601 UTC. */
export function isoFromClickHouse(text: string, timeZone: string): string | null {
  const m = DATE_TIME.exec(text);
  if (!m) return null;
  const n = (i: number) => Number(m[i] ?? 0);
  const ms = m[7] ? Number(m[7].padEnd(3, '0').slice(0, 3)) : 0;
  const t = zonedToEpoch(n(1), n(2), n(3), n(4), n(5), n(6), ms, timeZone);
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}

const INT64 = /^(U?Int(64|128|256)|Decimal.*)$/;

/** The time zone named in a `DateTime('Zone')` / `DateTime64(3, 'Zone')` type, if any. */
function zoneOfType(type: string): string | null {
  return /'([^']+)'/.exec(type)?.[1] ?? null;
}

function unwrap(type: string): string {
  let t = type;
  for (;;) {
    const m = /^(Nullable|LowCardinality)\((.*)\)$/.exec(t);
    if (!m) return t;
    t = m[2]!;
  }
}

/**
 * Turns a JSON value from ClickHouse into the value DuckDB would have given for the same query.
 * `column` is the result column's name: UInt8 columns named like a boolean schema column
 * (`is_bot`, `gpc`) come back as booleans, as they do from DuckDB.
 */
export function decodeValue(type: string, value: unknown, column: string, serverTimezone: string): unknown {
  if (value === null || value === undefined) return null;
  const t = unwrap(type);
  if (INT64.test(t) && typeof value === 'string') {
    const n = Number(value);
    if (!t.startsWith('Decimal') && !Number.isSafeInteger(n)) return value;
    return Number.isFinite(n) ? n : value;
  }
  if ((t.startsWith('DateTime') || t === 'Date') && typeof value === 'string') {
    if (value.startsWith('0000-00-00')) return null;
    return isoFromClickHouse(value, t === 'Date' ? 'UTC' : (zoneOfType(t) ?? serverTimezone)) ?? value;
  }
  if (t === 'UInt8' && BOOL_COLUMNS.has(column) && typeof value === 'number') return value !== 0;
  return value;
}

/** A decoder for a result's columns, built once per result. */
export function rowDecoder(meta: readonly { name: string; type: string }[], serverTimezone: string): (row: readonly unknown[]) => unknown[] {
  return (row) => row.map((v, i) => decodeValue(meta[i]!.type, v, meta[i]!.name, serverTimezone));
}

/** One value in ClickHouse's TabSeparated text: `\N` for NULL, backslash escapes inside text. */
const TSV_SPECIAL = /[\\\t\n\r]/;
function tsvValue(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  const text = typeof v === 'string' ? v : String(v);
  // Most values need no escaping: test once, replace only when needed.
  if (!TSV_SPECIAL.test(text)) return text;
  return text.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/**
 * A row as a TabSeparated line for the given columns. The loader writes events this way: it is
 * the cheapest input format for the server to parse, and Node builds it without JSON encoding.
 */
export function tsvLine(row: Record<string, unknown>, columns: readonly string[]): string {
  let out = '';
  for (let i = 0; i < columns.length; i++) out += (i === 0 ? '' : '\t') + tsvValue(row[columns[i]!]);
  return out;
}
