import type { FileHandle } from 'node:fs/promises';

/** Bytes read from disk at a time. */
const READ_BYTES = 1024 * 1024;

/**
 * Random access to bytes of a file, read forward in large reads. Readers ask for ranges that
 * never start before an earlier one, so memory holds only the range in use plus one read ahead
 * (a segment can be far larger than memory should be).
 */
export interface ByteSource {
  /** File size when the source was opened. */
  readonly size: number;
  /** Bytes [from, from + length) clipped to the file; releases everything before `from`. */
  bytes(from: number, length: number): Promise<Buffer>;
}

export function fileWindow(fh: FileHandle, size: number): ByteSource {
  let buf = Buffer.alloc(0);
  let start = 0;
  return {
    size,
    async bytes(from, length) {
      if (from < start) throw new RangeError(`spool read at ${from} after ${start}: reads go forward`);
      const end = Math.min(size, from + length);
      if (from >= start + buf.length) {
        buf = Buffer.alloc(0);
        start = from;
      } else if (from > start) {
        buf = buf.subarray(from - start);
        start = from;
      }
      if (start + buf.length < end) {
        const want = Math.min(size - start - buf.length, Math.max(end - start - buf.length, READ_BYTES));
        const next = Buffer.allocUnsafe(buf.length + want);
        buf.copy(next, 0);
        const got = await readFully(fh, next, buf.length, want, start + buf.length);
        buf = next.subarray(0, buf.length + got);
      }
      return buf.subarray(0, Math.max(0, Math.min(end, start + buf.length) - start));
    },
  };
}

/** A source over bytes already in memory. */
export function bufferSource(data: Buffer): ByteSource {
  return { size: data.length, bytes: async (from, length) => data.subarray(from, Math.min(data.length, from + length)) };
}

async function readFully(fh: FileHandle, into: Buffer, offset: number, length: number, position: number): Promise<number> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(into, offset + done, length - done, position + done);
    if (bytesRead === 0) break; // the file is shorter than when it was opened
    done += bytesRead;
  }
  return done;
}
