/**
 * RowBinary bytes: per column its binary value, little-endian; `Nullable(T)` is one byte
 * (1 = NULL) before T, a String its LEB128 length before its UTF-8. The bulk encoder writes event
 * bodies with these, and the loader writes each event's row into a staging buffer first (a row
 * is only sent once it is known not to be a duplicate).
 */

/** Body pieces of about 1 MiB: big enough to cost nothing per piece, small enough to stream. */
export const CHUNK_BYTES = 1 << 20;

const TWO_32 = 2 ** 32;

/** One growing buffer written little-endian; rows are found again by their byte offsets. */
export class ByteSink {
  protected buf = Buffer.allocUnsafe(CHUNK_BYTES);
  /** Bytes written so far (into the current buffer). */
  pos = 0;

  protected room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    // Doubling keeps the copies to about one per byte in all.
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
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
    // UTF-8 is at most 3 bytes per UTF-16 unit: room for that avoids measuring the string first.
    this.room(s.length * 3 + 5);
    const start = this.pos;
    const bytes = s.length < 0x80 ? this.buf.write(s, start + 1) : -1;
    if (bytes >= 0 && bytes < 0x80) {
      this.buf[start] = bytes;
      this.pos = start + 1 + bytes;
      return;
    }
    let n = Buffer.byteLength(s);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.pos++] = n;
    this.pos += this.buf.write(s, this.pos);
  }

  /** The bytes written between two offsets (valid until the next write). */
  slice(from: number, to: number): Buffer {
    return this.buf.subarray(from, to);
  }

  /** Starts over, keeping the buffer. */
  reset(): void {
    this.pos = 0;
  }
}

/** A body: a list of ~1 MiB buffers, so a 100 000-row body is never copied to grow. */
export class BinaryOut extends ByteSink {
  private done: Buffer[] = [];

  protected override room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.pos > 0) this.done.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, n));
    this.pos = 0;
  }

  /** Bytes already encoded elsewhere (a staged row). */
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
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

export type Write = (out: ByteSink, v: unknown) => void;

/** The writer of one column type; the types are those `clickhouse-schema.ts` creates. */
export function valueWriter(type: string): Write {
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
