import { compareModels, SUMMARIES, type AttributionResult, type ModelResult, type Summary } from '@touchline/attribution';
import type { WarehouseEngine } from '../warehouse/engine.js';
import type { SpendByLevel } from '../spend/spend-by-level.js';
import { creditsWithSpend, modelsWithSpend, spendSection } from './format-spend.js';
import type { AttributeResponse } from './run-attribution.js';

/** What `--report` selects, in every format: credits, top paths, time and touches to convert, or all. */
export const REPORTS = ['credits', 'paths', 'conversion-time', 'all'] as const;
export type Report = (typeof REPORTS)[number];

/**
 * The summaries a report prints, and so the only ones the engine computes: top paths over a
 * file of distinct paths cost as much as every model together, and the credits report shows none.
 */
export function summariesFor(report: Report): Summary[] {
  switch (report) {
    case 'credits':
      return [];
    case 'paths':
      return ['top_paths'];
    case 'conversion-time':
      return ['time_to_convert', 'touches_to_convert'];
    case 'all':
      return [...SUMMARIES];
  }
}

/** A summary the report prints; its absence is a bug in the caller (it asked the engine for other summaries). */
function need<T>(x: T | undefined, name: Summary): T {
  if (x === undefined) throw new Error(`attribution: the ${name} summary was not computed, but the report prints it`);
  return x;
}

/** What the formatter knows about the run besides the engine's result. */
export interface RunFacts {
  readonly level: string;
  readonly lookbackDays?: number | undefined;
  readonly engine?: WarehouseEngine | undefined;
  readonly sessions?: AttributeResponse['sessions'] | undefined;
  readonly notes?: readonly string[] | undefined;
  /** `--with-spend`: cost per level value; CPA and ROAS are added to every format. */
  readonly spend?: SpendByLevel | undefined;
}

const jsonNumber = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v);

/**
 * JSON: one object per model (`{"model", "credits": {"<value>": {"conversions", "value"}}}` plus
 * the model's extras), numbers as computed (not rounded). `--report all` prints the whole result.
 */
export function formatCreditsJson(r: AttributionResult, facts: RunFacts, report: Report): string {
  switch (report) {
    case 'paths':
      return JSON.stringify(need(r.top_paths, 'top_paths'), jsonNumber, 2);
    case 'conversion-time':
      return JSON.stringify(
        { time_to_convert: need(r.time_to_convert, 'time_to_convert'), touches_to_convert: need(r.touches_to_convert, 'touches_to_convert') },
        jsonNumber,
        2,
      );
    case 'all':
      return JSON.stringify({ ...r, ...(facts.spend ? { models: modelsWithSpend(r.models, facts.spend), spend: facts.spend } : {}), level: facts.level, notes: facts.notes ?? [] }, jsonNumber, 2);
    default:
      return JSON.stringify(facts.spend ? modelsWithSpend(r.models, facts.spend) : r.models, jsonNumber, 2);
  }
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v)) ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const csvLine = (cells: readonly unknown[]) => cells.map(csvCell).join(',');

/** CSV (RFC 4180, header row): long format, easy to pivot. */
export function formatCreditsCsv(r: AttributionResult, facts: RunFacts, report: Report): string {
  const lines: string[] = [];
  if (report === 'credits' || report === 'all') {
    const spend = facts.spend;
    lines.push(csvLine(['model', facts.level, 'conversions', 'value', ...(spend ? ['cost', 'cpa', 'roas', 'currency'] : [])]));
    // Largest credit first, whatever order the paths streamed in.
    const byCredit = (a: [string, { conversions: number; value: number }], b: [string, { conversions: number; value: number }]) =>
      b[1].conversions - a[1].conversions || b[1].value - a[1].value || a[0].localeCompare(b[0]);
    for (const m of r.models) {
      if (!spend) for (const [k, c] of Object.entries(m.credits).sort(byCredit)) lines.push(csvLine([m.model, k, c.conversions, c.value]));
      else for (const [k, c] of Object.entries(creditsWithSpend(m, spend)).sort(byCredit)) lines.push(csvLine([m.model, k, c.conversions, c.value, c.cost, c.cpa, c.roas, c.currency]));
    }
  }
  if (report === 'paths' || report === 'all') {
    if (lines.length) lines.push('');
    lines.push(csvLine(['path', 'conversions', 'value', 'nulls']));
    for (const p of need(r.top_paths, 'top_paths').paths) lines.push(csvLine([p.path.join(' > '), p.conversions, p.value, p.nulls]));
  }
  if (report === 'conversion-time' || report === 'all') {
    if (lines.length) lines.push('');
    lines.push(csvLine(['days_to_convert', 'conversions']));
    for (const d of need(r.time_to_convert, 'time_to_convert').by_day) lines.push(csvLine([d.days, d.conversions]));
    lines.push('', csvLine(['touches_to_convert', 'conversions']));
    for (const t of need(r.touches_to_convert, 'touches_to_convert').by_touches) lines.push(csvLine([t.touches, t.conversions]));
  }
  return lines.join('\n');
}

const fmt = (n: number, digits = 1) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '–';

/** A horizontal bar of `share` (0..1) in `width` cells, with eighth-block resolution. */
export function bar(share: number, width: number): string {
  const eighths = Math.max(0, Math.round(Math.min(1, share) * width * 8));
  const full = Math.floor(eighths / 8);
  const rest = eighths % 8;
  return '█'.repeat(full) + (rest > 0 ? ' ▏▎▍▌▋▊▉'[rest] : '');
}

function matrix(models: readonly ModelResult[], metric: 'conversions' | 'value', level: string): string[] {
  const cmp = compareModels(models, metric);
  const first = Math.max(level.length, ...cmp.rows.map((r) => r.level.length), 'total'.length);
  const widths = cmp.models.map((n) => Math.max(n.length, 9));
  const line = (label: string, cells: readonly string[]) =>
    `${label.padEnd(first)}  ${cells.map((c, i) => c.padStart(widths[i]!)).join('  ')}`.trimEnd();
  const out = [line(level, cmp.models), line('-'.repeat(first), widths.map((w) => '-'.repeat(w)))];
  for (const r of cmp.rows) out.push(line(r.level, r.credits.map((c) => fmt(c))));
  out.push(line('total', cmp.models.map((_, i) => fmt(cmp.rows.reduce((s, r) => s + (r.credits[i] ?? 0), 0)))));
  return out;
}

/**
 * The table people read, for the chosen report. Credits: conversions (and value, when there is
 * any) per level value, every model side by side, then a bar chart of each value's share under
 * one model (reports people would rather look at than read are charts). Paths: the top
 * conversion paths. Conversion time: time and touches to convert. All: every section.
 */
export function formatCreditsTable(
  r: AttributionResult,
  facts: RunFacts,
  opts: { report?: Report; chartModel?: string | undefined; metric?: 'conversions' | 'value' } = {},
): string {
  const report = opts.report ?? 'credits';
  const out: string[] = [];
  const t = r.totals;
  const head = [`Attribution by ${facts.level}: ${fmt(t.conversions, 0)} conversions`, t.value ? `${fmt(t.value, 2)} value` : null, facts.lookbackDays ? `lookback ${facts.lookbackDays} days` : null]
    .filter(Boolean)
    .join(', ');
  out.push(head + (facts.engine ? ` (${facts.engine}${facts.sessions ? `, sessions ${facts.sessions}` : ''})` : ''), '');
  if (r.models.length === 0 || t.conversions === 0) {
    out.push('No conversions: check the conversion event names (--conversion, attribution.conversions) and the time range.');
    return out.join('\n');
  }
  if (report === 'credits' || report === 'all') out.push(...creditSections(r, facts, opts.chartModel, opts.metric ?? 'conversions'));
  if (facts.spend && (report === 'credits' || report === 'all')) out.push(...spendSection(r.models, facts.spend, facts.level));
  if (report === 'paths' || report === 'all') out.push(...pathSection(need(r.top_paths, 'top_paths')));
  if (report === 'conversion-time' || report === 'all') {
    const ttc = need(r.time_to_convert, 'time_to_convert');
    const tc = need(r.touches_to_convert, 'touches_to_convert');
    if (ttc.conversions > 0) out.push(`Time to convert (days from the first touch on the path): median ${fmt(ttc.median, 0)}, mean ${fmt(ttc.mean)}, p90 ${fmt(ttc.p90, 0)}`);
    else out.push('Time to convert: no path carries touch times.');
    if (tc.conversions > 0) out.push(`Touches to convert: median ${fmt(tc.median, 0)}, mean ${fmt(tc.mean)}, p90 ${fmt(tc.p90, 0)}`);
  }
  for (const n of [...(facts.notes ?? []), ...(facts.spend?.notes ?? [])]) out.push(`Note: ${n}`);
  return out.join('\n');
}

function creditSections(r: AttributionResult, facts: RunFacts, chartModel: string | undefined, metric: 'conversions' | 'value'): string[] {
  const out = ['Conversions', ...matrix(r.models, 'conversions', facts.level), ''];
  if (r.totals.value) out.push('Value', ...matrix(r.models, 'value', facts.level), '');
  const chart = r.models.find((m) => m.model === chartModel) ?? r.models.find((m) => m.model === 'linear') ?? r.models[0]!;
  const total = Object.values(chart.credits).reduce((s, c) => s + c[metric], 0);
  const entries = Object.entries(chart.credits).sort((a, b) => b[1][metric] - a[1][metric]);
  const label = Math.max(...entries.map(([k]) => k.length));
  out.push(`Share of ${metric} (${chart.model})`);
  for (const [k, c] of entries) {
    const share = total > 0 ? c[metric] / total : 0;
    out.push(`${k.padEnd(label)}  ${bar(share, 40).padEnd(40)}  ${(share * 100).toFixed(1).padStart(5)}%`);
  }
  out.push('');
  return out;
}

function pathSection(top: NonNullable<AttributionResult['top_paths']>): string[] {
  if (top.paths.length === 0) return ['Top conversion paths: none', ''];
  const out = [`Top conversion paths${top.approximate ? ' (approximate)' : ''}`];
  top.paths.forEach((p, i) => {
    const path = p.path.length ? p.path.join(' > ') : '(no touch)';
    const n = fmt(p.conversions, Number.isInteger(p.conversions) ? 0 : 1);
    out.push(`${String(i + 1).padStart(3)}. ${path}  ${n} conversion${p.conversions === 1 ? '' : 's'}${p.value ? `, ${fmt(p.value, 2)} value` : ''}`);
  });
  out.push('');
  return out;
}
