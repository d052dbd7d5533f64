import type { SqlValue } from './sql-value.js';

/** Where the values of a statement go: quoted into its text, or collected as bound parameters. */
export type ValueSink = (v: SqlValue) => string;

/** A number as SQL text: finite only; negative ones parenthesised so no `-` can join a `-` before it. */
export function numberText(v: number | bigint): string {
  if (typeof v === 'number' && !Number.isFinite(v)) throw new RangeError(`${v} has no SQL spelling: only finite numbers do`);
  return v < 0 ? `(${String(v)})` : String(v);
}

/** ISO-8601 UTC with milliseconds of an epoch-ms time, refusing what a warehouse cannot store. */
export function isoOfMs(ms: number): string {
  const iso = Number.isFinite(ms) ? new Date(ms).toISOString() : '';
  // Years outside 0000-9999 would break the fixed-width text order; DuckDB refuses most of them too.
  if (iso.length !== 24) throw new RangeError(`${ms} is not a time a warehouse can store (years 0000-9999)`);
  return iso;
}
