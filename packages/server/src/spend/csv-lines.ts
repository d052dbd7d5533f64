import { parse as parseCsv } from 'csv-parse';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';

/**
 * A CSV to import: a file's path (the CLI on the warehouse directly), or its text with the name
 * it came under (uploaded to a running server, `POST /admin/spend/import`).
 */
export type CsvInput = string | { readonly name: string; readonly text: string };

/** The name an input goes by in messages and in the rows' origin: the file's base name. */
export const csvName = (input: CsvInput): string => (typeof input === 'string' ? (input.split(/[\\/]/).pop() ?? input) : input.name);

/** The input's bytes as a stream, counting them for a progress bar. */
export function csvStream(input: CsvInput, onBytes?: (n: number) => void): Readable {
  const stream = typeof input === 'string' ? createReadStream(input) : Readable.from([Buffer.from(input.text)]);
  if (onBytes) stream.on('data', (c: Buffer) => onBytes(c.length));
  return stream;
}

/** Records of a CSV with their first line numbers (a quoted field may span lines). */
export async function* csvRecords(input: CsvInput, onBytes?: (n: number) => void): AsyncGenerator<{ record: Record<string, string>; line: number }> {
  const stream = csvStream(input, onBytes);
  const parser = parseCsv({ columns: true, bom: true, skip_empty_lines: true, relax_column_count: true, info: true });
  stream.on('error', (err) => parser.destroy(err)); // pipe() does not forward it
  for await (const x of stream.pipe(parser)) {
    const { record, info } = x as { record: Record<string, string>; info: { lines: number } };
    yield { record, line: info.lines };
  }
}

/** A CSV line that did not read: its line number in the file and every reason. */
export interface LineProblem {
  readonly line: number;
  readonly reasons: string[];
}

export type LineResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reasons: string[] };

/**
 * Reads a CSV with a header row (BOM allowed, blank lines skipped) and turns each record
 * into a value with `read`; records it refuses are named by their line, so a user can fix the
 * file. The rates and campaign imports share it: bad lines are left out, the good ones load.
 */
export async function readCsvLines<T>(input: CsvInput, read: (record: Record<string, string>) => LineResult<T>): Promise<{ values: T[]; problems: LineProblem[] }> {
  const values: T[] = [];
  const problems: LineProblem[] = [];
  for await (const { record, line } of csvRecords(input)) {
    const r = read(record);
    if (r.ok) values.push(r.value);
    else problems.push({ line, reasons: r.reasons });
  }
  return { values, problems };
}
