import type { Warehouse } from '../warehouse/warehouse.js';
import { csvName, csvRecords, type CsvInput } from './csv-lines.js';
import { spendRowOf, unknownHeaders, type RowProblem } from './spend-csv.js';
import type { SpendRow } from './spend-row.js';
import { writeSpend } from './write-spend.js';

export interface SpendImportResult {
  /** Data rows read (the header excluded). */
  readonly read: number;
  readonly written: number;
  /** Days (network, account, date) the import replaced. */
  readonly days: number;
  readonly problems: readonly RowProblem[];
  /** Good rows not written, because their day also had a bad row (the day is kept as it was). */
  readonly heldBack: number;
  /** Why nothing at all was written, when that is the case. */
  readonly refused: string | null;
  readonly unknownHeaders: readonly string[];
}

export interface SpendImportOptions {
  readonly loadId: string;
  readonly nowMs: number;
  /** Bytes read so far, for a progress bar. */
  readonly onBytes?: (bytes: number) => void;
}

/**
 * `touchline spend import <file.csv>`: reads and checks every row, then writes the good ones as
 * one load. A day is replaced whole or not at all: a day with any bad row keeps what it had (a
 * partial day would understate its cost), and when a bad row's day cannot even be read nothing
 * is written, since that row might belong to any day. Problems name the file's line.
 */
export async function importSpendCsv(warehouse: Warehouse, input: CsvInput, o: SpendImportOptions): Promise<SpendImportResult> {
  const rows: SpendRow[] = [];
  const problems: RowProblem[] = [];
  let headers: string[] | null = null;
  let read = 0;
  for await (const { record, line } of csvRecords(input, o.onBytes)) {
    headers ??= Object.keys(record);
    read++;
    const r = spendRowOf(record, line);
    if (r.ok) rows.push(r.row);
    else problems.push(r.problem);
  }
  const unknown = unknownHeaders(headers ?? []);
  const base = { read, problems, unknownHeaders: unknown };
  if (problems.some((p) => p.day === null)) {
    const lines = problems.filter((p) => p.day === null).map((p) => p.line);
    return { ...base, written: 0, days: 0, heldBack: rows.length, refused: `line(s) ${lines.slice(0, 10).join(', ')}: the row's network or date cannot be read, so no day can safely be replaced; fix them and import again` };
  }
  const badDays = new Set(problems.map((p) => JSON.stringify([p.day!.network, p.day!.account, p.day!.date])));
  const good = rows.filter((r) => !badDays.has(JSON.stringify([r.network, r.account, r.date])));
  if (good.length === 0) return { ...base, written: 0, days: 0, heldBack: rows.length, refused: read === 0 ? `${csvName(input)} holds no data rows` : null };
  const w = await writeSpend(warehouse, good, { loadId: o.loadId, nowMs: o.nowMs, origin: `csv:${csvName(input)}` });
  return { ...base, written: w.rows, days: w.days, heldBack: rows.length - good.length, refused: null };
}
