import { basename } from 'node:path';
import { damagePieces, type SpoolDamage } from './damage.js';
import { openSegment } from './segment-scan.js';

/** Rows handed out per chunk: bounded memory whatever the segment size. */
export const READ_CHUNK_ROWS = 5000;

export interface ReadOptions {
  /** @defaultValue {@link READ_CHUNK_ROWS} */
  readonly chunkRows?: number;
  /**
   * Called for each damaged stretch set aside as a quarantine row — on every read of the segment,
   * so a caller that reads a batch more than once counts each (segment, offset) once.
   */
  readonly onDamage?: (damage: SpoolDamage) => void;
  /** Called with the request id each record carries (the loader names the requests of a batch in its logs). */
  readonly onRequestId?: (requestId: string) => void;
}

/**
 * The rows of a sealed segment, in order, in chunks of at most `chunkRows`: each one JSON
 * `SpoolRow` as the collector wrote it. Damaged bytes (a record failing its checksum, bytes where
 * no record header checks out, a record cut short) come out in their place as quarantine rows for
 * `failed_events`, and every valid record after them is still read. Segments written by earlier
 * versions (newline-delimited rows) are read too: a line that cannot be a row is damage there.
 */
export async function* readSegmentRows(path: string, options: ReadOptions = {}): AsyncIterable<string[]> {
  const chunkRows = options.chunkRows ?? READ_CHUNK_ROWS;
  const segment = await openSegment(path);
  const name = basename(path);
  const receivedAt = segment.mtime.toISOString();
  let chunk: string[] = [];
  try {
    for await (const items of segment.scan()) {
      for (const item of items) {
        if (item.kind === 'record') {
          if (item.fields.requestId !== undefined) options.onRequestId?.(item.fields.requestId);
          if (item.text.length > 0) chunk.push(item.text);
        } else {
          for (const piece of damagePieces(name, item.offset, item.raw, item.cause, receivedAt)) {
            options.onDamage?.(piece.damage);
            chunk.push(piece.row);
          }
        }
        if (chunk.length >= chunkRows) {
          yield chunk;
          chunk = [];
        }
      }
    }
  } finally {
    await segment.close();
  }
  if (chunk.length > 0) yield chunk;
}

/** The rows of several segments, in order. */
export async function* readSegmentsRows(paths: readonly string[], options: ReadOptions = {}): AsyncIterable<string[]> {
  for (const p of paths) yield* readSegmentRows(p, options);
}
