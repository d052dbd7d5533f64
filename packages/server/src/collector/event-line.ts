/**
 * The spool line of an event row, written column by column: each value is serialised on its own
 * (strings quoted as JSON.stringify quotes them, value by value) and appended in a fixed order, instead of
 * building a row object and serialising it. The row object had ~60 keys added one by one, which
 * put it in V8's dictionary mode; building it and stringifying it was a fifth of the ingest step's
 * CPU. The line is the same text the object gave (test/collector/event-line.test.ts).
 */
export interface LineWriter {
  /** `{"kind":…` so far, without the closing brace. */
  text: string;
}

export function lineWriter(kind: string): LineWriter {
  return { text: `{"kind":${JSON.stringify(kind)}` };
}

/**
 * What a column holds for a value, as the row object kept it: a non-empty string, a finite number
 * as its decimal text, a boolean; anything else is no column.
 */
export function columnValue(v: unknown): string | boolean | undefined {
  if (typeof v === 'string') return v !== '' ? v : undefined;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined;
  return typeof v === 'boolean' ? v : undefined;
}

// What JSON.stringify escapes in a string: `"`, `\`, control characters, and (well-formed
// JSON.stringify) lone surrogates; any surrogate sends a string the slow way, paired or not.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * A string as JSON: quoted as it is when it holds nothing JSON.stringify would escape (most ids,
 * names and URLs; about three times cheaper than JSON.stringify per value), else JSON.stringify.
 */
export function quote(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/** Appends `key` with the column value of `v` (nothing when it has none). Keys are column names: plain ASCII. */
export function put(w: LineWriter, key: string, v: unknown): void {
  const c = columnValue(v);
  if (c !== undefined) w.text += `,"${key}":${typeof c === 'string' ? quote(c) : c}`;
}

/** Appends `key` with any JSON value (a blob); `undefined` (and what JSON cannot hold) is left out, as JSON.stringify leaves it out of an object. */
export function putJson(w: LineWriter, key: string, v: unknown): void {
  const j = JSON.stringify(v);
  if (j !== undefined) w.text += `,${JSON.stringify(key)}:${j}`;
}

/** The finished line. */
export function lineOf(w: LineWriter): string {
  return `${w.text}}`;
}
