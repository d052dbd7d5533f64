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
}

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

export interface RowsEncoder {
  readonly rows: number;
  add(row: Record<string, unknown>): void;
  /** The rows added so far, and a fresh start. */
  take(): EncodedRows;
}

/** Body pieces of about 1 MiB: big enough to cost nothing per piece, small enough to stream. */
const CHUNK_BYTES = 1 << 20;

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
      for (const w of writers) w.write(out, row[w.name]);
      rows++;
    },
    take() {
      const taken = { format: BulkFormat.RowBinary, columns: columns.map((c) => c.name), chunks: out.take(), rows };
      rows = 0;
      return taken;
    },
  };
}

type Write = (out: BinaryOut, v: unknown) => void;

/** The writer of one column type; the types are those `clickhouse-schema.ts` creates. */
function valueWriter(type: string): Write {
  const nullable = /^Nullable\((.*)\)$/.exec(type);
  if (nullable) {
    const inner = valueWriter(nullable[1]!);
    return (out, v) => {
      if (v === null || v === undefined) return out.u8(1);
      out.u8(0);
      inner(out, v);
    };
  }
  if (type === 'String') return (out, v) => out.string(v === null || v === undefined ? '' : typeof v === 'string' ? v : String(v));
  if (type === 'UInt8') return (out, v) => out.u8(Number(v));
  if (type === 'Int64' || type === 'UInt64') return (out, v) => out.i64(Number(v));
  // The loader hands DateTime64 values over as `YYYY-MM-DD hh:mm:ss.mmm` UTC text; the bytes are epoch milliseconds.
  if (/^DateTime64\(3(, *'UTC')?\)$/.test(type)) return (out, v) => out.i64(Date.parse(`${String(v).replace(' ', 'T')}Z`));
  throw new Error(`RowBinary: no writer for column type ${type}`);
}

const TWO_32 = 2 ** 32;

/** A growing list of ~1 MiB buffers written little-endian, as RowBinary wants. */
class BinaryOut {
  private buf = Buffer.allocUnsafe(CHUNK_BYTES);
  private pos = 0;
  private done: Buffer[] = [];

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.pos > 0) this.done.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, n));
    this.pos = 0;
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.pos++] = v;
  }

  /** A safe integer as a 64-bit two's-complement value. */
  i64(v: number): void {
    if (!Number.isSafeInteger(v)) throw new Error(`RowBinary: ${v} is not a safe integer`);
    this.room(8);
    if (v >= 0) {
      this.buf.writeUInt32LE(v % TWO_32, this.pos);
      this.buf.writeUInt32LE(Math.floor(v / TWO_32), this.pos + 4);
    } else {
      this.buf.writeBigInt64LE(BigInt(v), this.pos);
    }
    this.pos += 8;
  }

  /** LEB128 length, then UTF-8 (a lone surrogate becomes U+FFFD, as in every other body). */
  string(s: string): void {
    const bytes = Buffer.byteLength(s);
    this.room(bytes + 10);
    let n = bytes;
    while (n >= 0x80) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.pos++] = n;
    this.pos += this.buf.write(s, this.pos);
  }

  take(): Buffer[] {
    if (this.pos > 0) this.done.push(this.buf.subarray(0, this.pos));
    const out = this.done;
    this.done = [];
    this.buf = Buffer.allocUnsafe(CHUNK_BYTES);
    this.pos = 0;
    return out;
  }
}
