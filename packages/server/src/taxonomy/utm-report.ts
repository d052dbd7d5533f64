import type { Warehouse } from '../warehouse/warehouse.js';
import type { SqlParams } from '../warehouse/dialect/sql-value.js';
import { canonicalUtm, checkUtmValue, UTM_PARAMS, type UtmParam, type UtmProblem, type UtmRules } from './utm-rules.js';

/** One group of conversions: the raw UTM values of their last touch, and their summed value. */
export interface RevenueGroup {
  /** Raw values as the landing carried them; absent parameters are missing. */
  readonly tags: Partial<Record<UtmParam, string>>;
  readonly revenue: number;
}

/** The range's conversions grouped by their last touch's UTM values (src/identity/utm-revenue.ts). */
export type RevenueSource = (range: UtmRange) => Promise<readonly RevenueGroup[]>;

/** A UTM range over `received_at`, ms since the epoch: [sinceMs, untilMs). */
export interface UtmRange {
  readonly sinceMs: number;
  readonly untilMs: number;
}

/** One nonconforming value: how many landings carried it, and the rule that fixes it (or what to add). */
export interface UtmReportLine extends UtmProblem {
  readonly landings: number;
  /**
   * Value of the range's conversions whose last touch carried this value (or, for a missing
   * parameter, lacked it under this medium): src/identity/utm-revenue.ts. Absent without one.
   */
  readonly revenue?: number;
}

export interface UtmReport {
  /** Landings (page and screen views) with any UTM in the range. */
  readonly landings: number;
  /** Most landings first. */
  readonly lines: readonly UtmReportLine[];
}

const MAX_VALUES = 10_000;

/**
 * `touchline utm report`: each raw UTM value of the range's landings that the rules would read
 * otherwise (an alias, a spelling normalisation fixes) or that is not allowed, by volume, with the
 * rule that fixes it; and landings whose medium lacks a parameter it requires.
 */
export async function utmReport(w: Warehouse, range: UtmRange, rules: UtmRules, revenue?: RevenueSource): Promise<UtmReport> {
  const f = w.dialect;
  const b = f.binding('u');
  const where = `received_at >= ${b.timestamp(range.sinceMs)} AND received_at < ${b.timestamp(range.untilMs)} AND type IN ('page', 'screen')`;
  const lines: UtmReportLine[] = [];
  for (const param of UTM_PARAMS) {
    const sql = `SELECT ${f.quoteIdent(param)} AS v, count(*) AS n FROM events WHERE ${where} AND ${f.present(param)} GROUP BY ${f.quoteIdent(param)} ORDER BY n DESC LIMIT ${MAX_VALUES}`;
    const r = await w.query(sql, { params: b.params });
    for (const [v, n] of r.rows) for (const p of checkUtmValue(rules, param, String(v))) lines.push({ ...p, landings: Number(n) });
  }
  const required = Object.entries(rules.config.requiredByMedium);
  if (required.length > 0) lines.push(...(await missingByMedium(w, where, b.params, rules)));
  const total = await w.query(`SELECT count(*) FROM events WHERE ${where} AND (${UTM_PARAMS.map((p) => f.present(p)).join(' OR ')})`, { params: b.params });
  const priced = revenue ? withRevenue(lines, await revenue(range), rules) : lines;
  return { landings: Number(total.rows[0]?.[0] ?? 0), lines: priced.sort((x, y) => y.landings - x.landings || x.param.localeCompare(y.param)) };
}

/** Each line with the revenue of the conversions its value (or its missing parameter) led to. */
function withRevenue(lines: readonly UtmReportLine[], groups: readonly RevenueGroup[], rules: UtmRules): UtmReportLine[] {
  const sum = (keep: (g: RevenueGroup) => boolean) => groups.filter(keep).reduce((n, g) => n + g.revenue, 0);
  return lines.map((l) => {
    if (l.problem !== 'missing') return { ...l, revenue: sum((g) => g.tags[l.param] === l.value) };
    const medium = (g: RevenueGroup) => g.tags.utm_medium !== undefined && canonicalUtm(rules, 'utm_medium', g.tags.utm_medium) === l.canonical;
    return { ...l, revenue: sum((g) => medium(g) && g.tags[l.param] === undefined) };
  });
}

/** Landings by medium and which parameters they carry; those missing one their medium requires. */
async function missingByMedium(w: Warehouse, where: string, params: SqlParams, rules: UtmRules): Promise<UtmReportLine[]> {
  const f = w.dialect;
  const flags = UTM_PARAMS.map((p) => `(CASE WHEN ${f.present(p)} THEN 1 ELSE 0 END) AS ${f.quoteIdent(`has_${p}`)}`);
  const sql = `SELECT utm_medium, ${flags.join(', ')}, count(*) AS n FROM events WHERE ${where} AND ${f.present('utm_medium')} GROUP BY utm_medium, ${UTM_PARAMS.map((p) => f.quoteIdent(`has_${p}`)).join(', ')}`;
  const r = await w.query(sql, { params });
  const out = new Map<string, UtmReportLine>();
  for (const row of r.rows) {
    const medium = String(row[0]);
    const has = (p: UtmParam) => Number(row[1 + UTM_PARAMS.indexOf(p)]) === 1;
    const n = Number(row[row.length - 1]);
    const tag = Object.fromEntries(UTM_PARAMS.filter(has).map((p) => [p, 'x'])) as Partial<Record<UtmParam, string>>;
    const canonical = canonicalUtm(rules, 'utm_medium', medium);
    for (const p of rules.config.requiredByMedium[canonical] ?? []) {
      if (tag[p]) continue;
      const k = `${canonical}\u0000${p}`;
      const prev = out.get(k);
      const fix = `medium "${canonical}" requires ${p}: tag these links with it (attribution.utm.requiredByMedium)`;
      out.set(k, { param: p, value: '', canonical, problem: 'missing', fix, landings: (prev?.landings ?? 0) + n });
    }
  }
  return [...out.values()];
}
