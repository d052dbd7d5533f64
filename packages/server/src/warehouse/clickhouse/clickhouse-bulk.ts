import { BinaryOut, CHUNK_BYTES, valueWriter } from './clickhouse-row-binary.js';
import { tsvLine } from './clickhouse-values.js';

/**
 * The body of a bulk insert of events, built as the loader accepts rows. Three encodings the
 * client can send to every supported server (18.16 included; the client cannot insert Native):
 * TabSeparated and JSONEachRow as text, RowBinary as the column values' own bytes. Which one the
 * loader uses, and with how many rows per INSERT, is `BulkInsertOptions`; `bench/clickhouse-load.ts`
 * measures them against each other.
 */
export const BulkFormat = {
  TabSeparated: 'TabSeparated',
  JSONEachRow: 'JSONEachRow',
  RowBinary: 'RowBinary',
} as const;
export type BulkFormat = (typeof BulkFormat)[keyof typeof BulkFormat];

/** How the loader writes events to ClickHouse. */
export interface BulkInsertOptions {
  /** @defaultValue `RowBinary` (half the server work of TabSeparated in `npm run bench -- clickhouse-load`) */
  readonly format?: BulkFormat;
  /** gzip the request body (the client's `compression.request`). @defaultValue false */
  readonly compress?: boolean;
  /** Events per INSERT: each INSERT makes a part of the wide events table. @defaultValue 100 000 */
  readonly rows?: number;
  /**
   * How spooled event lines are read: `scan` with the event-line scanner (JSON.parse for the lines
   * it declines), `json` with JSON.parse for every line, the earlier path, which
   * `bench/clickhouse-load.ts` measures the scanner against. Both give the same rows.
   * @defaultValue `scan`
   */
  readonly lines?: LineReader;
}

export const LineReader = { Scan: 'scan', Json: 'json' } as const;
export type LineReader = (typeof LineReader)[keyof typeof LineReader];

/** A column of the inserted table with its ClickHouse type, e.g. `Nullable(String)`. */
export interface BulkColumn {
  readonly name: string;
  readonly type: string;
}

/** Encoded rows ready to send: `INSERT INTO t (columns) FORMAT format` with `chunks` as the body. */
export interface EncodedRows {
  readonly format: BulkFormat;
  readonly columns: readonly string[];
  readonly chunks: readonly Buffer[];
  readonly rows: number;
}

/** A row to encode: its values by column name, or (RowBinary only) its bytes already encoded. */
export type BulkRow = Record<string, unknown> | Uint8Array;

export interface RowsEncoder {
  readonly rows: number;
  add(row: BulkRow): void;
  /** The rows added so far, and a fresh start. */
  take(): EncodedRows;
}

export function rowsEncoder(format: BulkFormat, columns: readonly BulkColumn[]): RowsEncoder {
  const names = columns.map((c) => c.name);
  if (format === BulkFormat.RowBinary) return binaryEncoder(columns);
  const line =
    format === BulkFormat.TabSeparated
      ? (row: Record<string, unknown>) => tsvLine(row, names)
      : (row: Record<string, unknown>) => JSON.stringify(row);
  let lines: string[] = [];
  let chunks: Buffer[] = [];
  let size = 0;
  let rows = 0;
  const seal = () => {
    if (lines.length > 0) chunks.push(Buffer.from(lines.join('\n') + '\n'));
    lines = [];
    size = 0;
  };
  return {
    get rows() {
      return rows;
    },
    add(row) {
      if (row instanceof Uint8Array) throw new Error(`${format}: rows arrive as values, not RowBinary bytes`);
      const l = line(row);
      lines.push(l);
      rows++;
      size += l.length + 1;
      if (size >= CHUNK_BYTES) seal();
    },
    take() {
      seal();
      const out = { format, columns: names, chunks, rows };
      chunks = [];
      rows = 0;
      return out;
    },
  };
}

/** RowBinary: per column its binary value; `Nullable(T)` is one byte (1 = NULL) before T. */
function binaryEncoder(columns: readonly BulkColumn[]): RowsEncoder {
  const writers = columns.map((c) => ({ name: c.name, write: valueWriter(c.type) }));
  const out = new BinaryOut();
  let rows = 0;
  return {
    get rows() {
      return rows;
    },
    add(row) {
      if (row instanceof Uint8Array) out.bytes(row);
      else for (const w of writers) w.write(out, row[w.name]);
      rows++;
    },
    take() {
      const taken = { format: BulkFormat.RowBinary, columns: columns.map((c) => c.name), chunks: out.take(), rows };
      rows = 0;
      return taken;
    },
  };
}
