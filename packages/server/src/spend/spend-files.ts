import { randomUUID } from 'node:crypto';
import type { Warehouse } from '../warehouse/warehouse.js';
import { importCampaignsCsv } from './campaigns.js';
import { csvName, type CsvInput } from './csv-lines.js';
import { importRatesCsv } from './fx-rates.js';
import { importSpendCsv } from './import-spend.js';
import type { SpendDay } from './write-spend.js';

/** The CSV files spend takes (docs/spend.md): daily cost per campaign, exchange rates, campaign metadata. */
export const SPEND_FILE_KINDS = ['spend', 'rates', 'campaigns'] as const;
export type SpendFileKind = (typeof SPEND_FILE_KINDS)[number];

/** What one file's import did, whichever kind: the CLI prints it, the admin API answers it. */
export interface SpendFileResult {
  readonly kind: SpendFileKind;
  readonly name: string;
  readonly written: number;
  /** Lines refused, each with every reason (the file's line numbers). */
  readonly problems: readonly { readonly line: number; readonly reasons: readonly string[]; readonly day?: SpendDay | null }[];
  /** Spend only: data rows read, days replaced, good rows held back with a bad day, unknown columns. */
  readonly read?: number;
  readonly days?: number;
  readonly heldBack?: number;
  /** Spend only: why nothing at all was written, when that is the case. */
  readonly refused?: string | null;
  readonly unknownHeaders?: readonly string[];
}

export interface SpendFileOptions {
  readonly nowMs: number;
  /** Bytes read so far, for a progress bar (spend files). */
  readonly onBytes?: (bytes: number) => void;
}

/** Imports one spend, rates or campaigns CSV into the warehouse, as its own load. */
export async function importSpendFile(warehouse: Warehouse, kind: SpendFileKind, input: CsvInput, o: SpendFileOptions): Promise<SpendFileResult> {
  const name = csvName(input);
  if (kind === 'rates') return { kind, name, ...(await importRatesCsv(warehouse, input, o.nowMs)) };
  if (kind === 'campaigns') return { kind, name, ...(await importCampaignsCsv(warehouse, input, o.nowMs)) };
  const r = await importSpendCsv(warehouse, input, { loadId: `csv-${randomUUID()}`, nowMs: o.nowMs, ...(o.onBytes ? { onBytes: o.onBytes } : {}) });
  return { kind, name, ...r };
}

const NOUN: Record<SpendFileKind, string> = { spend: 'row(s)', rates: 'rate(s)', campaigns: 'campaign(s)' };
const dayOf = (day: SpendDay | null | undefined): string => (day ? ` (${day.network} ${day.account || '-'} ${day.date} kept as it was)` : '');

/** The lines the CLI prints for an import, and its exit code (1 when anything was refused). */
export function describeSpendFile(r: SpendFileResult): { readonly lines: string[]; readonly exitCode: number } {
  const lines: string[] = [];
  if (r.kind === 'spend') {
    lines.push(`read ${r.read ?? 0} rows from ${r.name}: ${r.written} written, ${r.days ?? 0} day(s) replaced${r.heldBack ? `, ${r.heldBack} good row(s) held back with their day` : ''}`);
    if (r.unknownHeaders?.length) lines.push(`unknown column(s) ignored: ${r.unknownHeaders.join(', ')} (the columns are listed in touchline spend --help)`);
  } else lines.push(`${r.written} ${NOUN[r.kind]} written from ${r.name}`);
  for (const p of r.problems.slice(0, 50)) lines.push(`  line ${p.line}: ${p.reasons.join('; ')}${dayOf(p.day)}`);
  if (r.problems.length > 50) lines.push(`  … and ${r.problems.length - 50} more`);
  if (r.refused) lines.push(`nothing written: ${r.refused}`);
  return { lines, exitCode: r.problems.length > 0 || r.refused ? 1 : 0 };
}
