import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** Rows handed out per chunk: bounded memory whatever the segment size. */
export const READ_CHUNK_ROWS = 5000;

/**
 * The rows of a sealed segment, in order, in chunks of at most `chunkRows`: each one JSON
 * `SpoolRow` as the collector wrote it.
 */
export async function* readSegmentRows(path: string, chunkRows = READ_CHUNK_ROWS): AsyncIterable<string[]> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let chunk: string[] = [];
  for await (const line of lines) {
    if (!line) continue;
    chunk.push(line);
    if (chunk.length >= chunkRows) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** The rows of several segments, in order. */
export async function* readSegmentsRows(paths: readonly string[], chunkRows = READ_CHUNK_ROWS): AsyncIterable<string[]> {
  for (const p of paths) yield* readSegmentRows(p, chunkRows);
}
