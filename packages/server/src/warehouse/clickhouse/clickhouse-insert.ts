import { wellFormed } from '../dialect/well-formed.js';
import type { SqlValue } from '../dialect/sql-value.js';
import { insertBool, insertInt, insertText, insertTimeMs } from '../insert-values.js';
import { ColumnType } from '../schema.js';
import type { InsertColumn } from '../warehouse.js';
import type { TimestampFlavor } from './clickhouse-features.js';
import { encodeTimestamp } from './clickhouse-values.js';

/**
 * One bulk-insert row as a JSONEachRow object: the client writes it with JSON.stringify, so no
 * value is SQL text. Text is made well-formed UTF-8 first (what DuckDB's appender stores too), a
 * NULL is left out (the column's default: NULL for Nullable columns), timestamps take the
 * table's flavor.
 */
export function encodeInsertRow(
  table: string,
  columns: readonly InsertColumn[],
  row: readonly SqlValue[],
  index: number,
  flavor: TimestampFlavor,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i]!;
    const v = row[i]!;
    if (v === null) continue;
    const at = { table, column, row: index };
    switch (column.type) {
      case ColumnType.Int: {
        const n = insertInt(v, at);
        // JSONEachRow reads 64-bit integers from strings too: beyond 2^53 a number would round.
        out[column.name] = Number.isSafeInteger(Number(n)) ? Number(n) : n.toString();
        break;
      }
      case ColumnType.Bool:
        out[column.name] = insertBool(v, at) ? 1 : 0;
        break;
      case ColumnType.Timestamp:
        out[column.name] = encodeTimestamp(insertTimeMs(v, at), flavor);
        break;
      default:
        out[column.name] = wellFormed(insertText(v, at));
    }
  }
  return out;
}
