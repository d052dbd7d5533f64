import { ColumnType } from './schema.js';
import type { SqlValue } from './dialect/sql-value.js';
import type { InsertColumn } from './warehouse.js';

/** A bulk-insert value that does not fit its column; says where, never what (values are event data). */
export class InsertValueError extends RangeError {
  override readonly name = 'InsertValueError';
}

/** Where a value sits, for error messages. */
export interface ValueAt {
  readonly table: string;
  readonly column: InsertColumn;
  readonly row: number;
}

function refuse(at: ValueAt, v: SqlValue, expected: string): never {
  throw new InsertValueError(`insert into ${at.table}, row ${at.row}, column ${at.column.name}: ${expected} expected, got a ${typeof v}`);
}

/** Epoch milliseconds of a timestamp value (epoch ms, or ISO-8601 text). */
export function insertTimeMs(v: SqlValue, at: ValueAt): number {
  const ms = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) refuse(at, v, 'a time (epoch ms or ISO-8601)');
  return ms;
}

/** An integer value, as a bigint. */
export function insertInt(v: SqlValue, at: ValueAt): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  return refuse(at, v, 'an integer');
}

export function insertBool(v: SqlValue, at: ValueAt): boolean {
  return typeof v === 'boolean' ? v : refuse(at, v, 'a boolean');
}

/** Text for a string or JSON column (JSON columns take JSON text). */
export function insertText(v: SqlValue, at: ValueAt): string {
  return typeof v === 'string' ? v : refuse(at, v, at.column.type === ColumnType.Json ? 'JSON text' : 'a string');
}

/** Each row with as many values as there are columns, or a clear error. */
export function* checkedRows(table: string, columns: readonly InsertColumn[], rows: Iterable<readonly SqlValue[]>): Generator<readonly SqlValue[]> {
  if (columns.length === 0) throw new RangeError(`insert into ${table}: no columns`);
  let n = 0;
  for (const row of rows) {
    if (row.length !== columns.length) throw new InsertValueError(`insert into ${table}, row ${n}: ${row.length} values for ${columns.length} columns`);
    yield row;
    n++;
  }
}
