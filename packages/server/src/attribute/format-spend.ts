import type { ModelResult } from '@touchline/attribution';
import { metricsOf, type SpendByLevel, type SpendMetrics } from '../spend/spend-by-level.js';

/** A credit row with its spend figures: what JSON and CSV print under `--with-spend`. */
export interface SpendCredit extends SpendMetrics {
  readonly conversions: number;
  readonly value: number;
  readonly currency: string;
}

/**
 * Every level value of a model with cost, CPA and ROAS: the credited ones, and those with cost
 * but no credit (money that bought no conversion under this model is the row people look for).
 */
export function creditsWithSpend(m: ModelResult, spend: SpendByLevel): Record<string, SpendCredit> {
  const keys = new Set([...Object.keys(m.credits), ...Object.keys(spend.cost)]);
  const out: Record<string, SpendCredit> = {};
  for (const k of keys) {
    const credit = m.credits[k] ?? { conversions: 0, value: 0 };
    out[k] = { conversions: credit.conversions, value: credit.value, ...metricsOf(spend.cost[k], credit), currency: spend.currency };
  }
  return out;
}

/** The models with spend figures in every credit (the `--format json` shape, one field richer). */
export function modelsWithSpend(models: readonly ModelResult[], spend: SpendByLevel): ModelResult[] {
  return models.map((m) => ({ ...m, credits: creditsWithSpend(m, spend) }));
}

const money = (n: number | null, digits = 2) =>
  n === null || !Number.isFinite(n) ? '–' : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/**
 * The table section: cost per level value (one column: no model moves it), then CPA and ROAS
 * per level value under every model side by side. The currency is on every heading.
 */
export function spendSection(models: readonly ModelResult[], spend: SpendByLevel, level: string): string[] {
  const values = [...new Set([...Object.keys(spend.cost), ...models.flatMap((m) => Object.keys(m.credits))])].sort(
    (a, b) => (spend.cost[b] ?? -1) - (spend.cost[a] ?? -1) || a.localeCompare(b),
  );
  const first = Math.max(level.length, ...values.map((v) => v.length), 'total'.length);
  const widths = models.map((m) => Math.max(m.model.length, 10));
  const line = (label: string, cells: readonly string[], w: readonly number[]) => `${label.padEnd(first)}  ${cells.map((c, i) => c.padStart(w[i]!)).join('  ')}`.trimEnd();
  const out = [`Cost (${spend.currency}; the same under every model)`, line(level, ['cost'], [14]), line('-'.repeat(first), ['-'.repeat(14)], [14])];
  for (const v of values) out.push(line(v, [money(spend.cost[v] ?? null)], [14]));
  out.push(line('total', [money(spend.totalCost)], [14]), '');
  const matrix = (title: string, pick: (x: SpendMetrics) => number | null) => {
    out.push(title, line(level, models.map((m) => m.model), widths), line('-'.repeat(first), widths.map((w) => '-'.repeat(w)), widths));
    for (const v of values) {
      if (spend.cost[v] === undefined) continue;
      out.push(line(v, models.map((m) => money(pick(metricsOf(spend.cost[v], m.credits[v])))), widths));
    }
    out.push('');
  };
  matrix(`CPA (${spend.currency} per credited conversion)`, (x) => x.cpa);
  matrix(`ROAS (credited value ÷ ${spend.currency} cost)`, (x) => x.roas);
  return out;
}
