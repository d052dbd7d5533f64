import { parse as parseCsv } from 'csv-parse';
import { createReadStream } from 'node:fs';

/** A CSV line that did not read: its line number in the file and every reason. */
export interface LineProblem {
  readonly line: number;
  readonly reasons: string[];
}

export type LineResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reasons: string[] };

/**
 * Reads a CSV file with a header row (BOM allowed, blank lines skipped) and turns each record
 * into a value with `read`; records it refuses are named by their line, so a user can fix the
 * file. The rates and campaign imports share it: bad lines are left out, the good ones load.
 */
export async function readCsvLines<T>(file: string, read: (record: Record<string, string>) => LineResult<T>): Promise<{ values: T[]; problems: LineProblem[] }> {
  const values: T[] = [];
  const problems: LineProblem[] = [];
  const stream = createReadStream(file);
  const parser = parseCsv({ columns: true, bom: true, skip_empty_lines: true, relax_column_count: true, info: true });
  stream.on('error', (err) => parser.destroy(err));
  for await (const x of stream.pipe(parser)) {
    const { record, info } = x as { record: Record<string, string>; info: { lines: number } };
    const r = read(record);
    if (r.ok) values.push(r.value);
    else problems.push({ line: info.lines, reasons: r.reasons });
  }
  return { values, problems };
}
