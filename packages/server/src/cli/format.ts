import type { QueryResult } from '../warehouse/warehouse.js';

export type OutputFormat = 'table' | 'json' | 'csv';

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A plain text table, columns padded to their widest value (long values cut at 80). */
export function formatTable(r: QueryResult): string {
  const cut = (s: string) => (s.length > 80 ? s.slice(0, 79) + '…' : s);
  const rows = r.rows.map((row) => row.map((v) => cut(cell(v)).replace(/\n/g, ' ')));
  const widths = r.columns.map((c, i) => Math.max(c.length, ...rows.map((row) => row[i]!.length)));
  const line = (vals: readonly string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join(' | ').trimEnd();
  const out = [line(r.columns), widths.map((w) => '-'.repeat(w)).join('-+-')];
  for (const row of rows) out.push(line(row));
  out.push(`(${r.rows.length} row${r.rows.length === 1 ? '' : 's'})`);
  return out.join('\n');
}

/** RFC 4180 CSV with a header row. */
export function formatCsv(r: QueryResult): string {
  const q = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return [r.columns.map(q).join(','), ...r.rows.map((row) => row.map((v) => q(cell(v))).join(','))].join('\n');
}

/** One JSON object per row, as an array. */
export function formatJson(r: QueryResult): string {
  return JSON.stringify(r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]]))), null, 2);
}

export function formatResult(r: QueryResult, format: OutputFormat): string {
  return format === 'json' ? formatJson(r) : format === 'csv' ? formatCsv(r) : formatTable(r);
}
