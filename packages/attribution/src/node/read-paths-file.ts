import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parsePathLine, type PathLine } from '../paths-file/parse-path-line.js';

/**
 * Streams a paths file (NDJSON, one path a line) without holding it in memory. Blank lines are
 * skipped; every other line yields its parsed path or its error, with the 1-based line number.
 * `input` is a file name or any readable stream (stdin, a decompressor).
 */
export async function* readPathsFile(input: string | Readable): AsyncGenerator<PathLine> {
  const stream = typeof input === 'string' ? createReadStream(input, { encoding: 'utf8' }) : input;
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    // A byte-order mark (files saved by some editors) would make the first line invalid JSON.
    const clean = line === 1 && text.startsWith('\uFEFF') ? text.slice(1) : text;
    if (clean.trim() === '') continue;
    yield parsePathLine(clean, line);
  }
}
