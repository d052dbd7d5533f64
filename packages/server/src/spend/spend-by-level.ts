import type { RateBook } from './fx-rates.js';
import { JoinedBy, matchCampaign, type CampaignDay, type TouchGroup } from './spend-join.js';

/** The level value unmatched spend is reported under, so that totals stay whole. */
export const UNMATCHED = '(unmatched spend)';

/**
 * Cost per level value in the reporting currency: what `--with-spend` adds to an attribution.
 * JSON-safe; amounts are currency units (cost_micros / 1e6, converted at the day's rate).
 */
export interface SpendByLevel {
  /** The reporting currency every amount here is in. */
  readonly currency: string;
  /** Level value → cost. Unmatched spend is under {@link UNMATCHED}. */
  readonly cost: Readonly<Record<string, number>>;
  /** Level value → the networks' own reported conversions (their pixels, their windows). */
  readonly networkConversions: Readonly<Record<string, number>>;
  readonly totalCost: number;
  /** Cost joined by campaign id, by campaign name, not at all. */
  readonly joined: { readonly campaignId: number; readonly campaignName: number; readonly unmatched: number };
  /** Cost left out: no rate into the reporting currency for its day (currency → days). */
  readonly missingRates: Readonly<Record<string, readonly string[]>>;
  readonly notes: readonly string[];
}

/**
 * The reporting currency: the configured one, else the one currency all spend is in. Several
 * currencies and none configured: the caller must say which (the error names the config key).
 */
export function reportingCurrencyOf(configured: string | undefined, days: readonly CampaignDay[]): string {
  if (configured) return configured.toUpperCase();
  const seen = [...new Set(days.map((d) => d.currency))].sort();
  if (seen.length <= 1) return seen[0] ?? 'USD';
  throw new RangeError(`ad spend is in ${seen.join(', ')}: set attribution.reportingCurrency to the currency reports should use, and import daily rates (touchline spend rates <file.csv>)`);
}

/**
 * Spreads each campaign's cost over the level values its landings fall under (spend-join.ts),
 * converting each day at that day's rate. Memory is bounded by campaigns × days.
 */
export function spendByLevel(days: readonly CampaignDay[], groups: readonly TouchGroup[], rates: RateBook, currency: string): SpendByLevel {
  const cost: Record<string, number> = {};
  const conv: Record<string, number> = {};
  const joined = { campaignId: 0, campaignName: 0, unmatched: 0 };
  const missing = new Map<string, Set<string>>();
  const matches = new Map<string, ReturnType<typeof matchCampaign>>();
  let total = 0;
  for (const d of days) {
    const key = JSON.stringify([d.network, d.campaignId, d.campaignName]);
    let match = matches.get(key);
    if (!match) matches.set(key, (match = matchCampaign(d, groups)));
    const rate = rates.rate(d.date, d.currency, currency);
    if (rate === null) {
      const set = missing.get(d.currency) ?? new Set<string>();
      set.add(d.date);
      missing.set(d.currency, set);
      continue;
    }
    // Micros to units: exact up to 2^53 micros (9 billion units) per campaign-day.
    const amount = (Number(d.costMicros) / 1e6) * rate;
    total += amount;
    if (match.by === JoinedBy.None) {
      joined.unmatched += amount;
      cost[UNMATCHED] = (cost[UNMATCHED] ?? 0) + amount;
      conv[UNMATCHED] = (conv[UNMATCHED] ?? 0) + d.networkConversions;
      continue;
    }
    if (match.by === JoinedBy.Id) joined.campaignId += amount;
    else joined.campaignName += amount;
    for (const [level, share] of match.shares) {
      cost[level] = (cost[level] ?? 0) + amount * share;
      conv[level] = (conv[level] ?? 0) + d.networkConversions * share;
    }
  }
  const missingRates = Object.fromEntries([...missing].map(([c, set]) => [c, [...set].sort()]));
  const notes: string[] = [];
  for (const [c, list] of Object.entries(missingRates)) {
    notes.push(`${c} spend on ${list.length} day(s) (${list.slice(0, 3).join(', ')}${list.length > 3 ? ', …' : ''}) is left out: no ${c}→${currency} rate within 7 days (touchline spend rates <file.csv>)`);
  }
  if (joined.unmatched > 0) notes.push(`${fmt(joined.unmatched)} ${currency} of spend matched no touch and shows as ${UNMATCHED} (touchline spend unmatched)`);
  return { currency, cost, networkConversions: conv, totalCost: total, joined, missingRates, notes };
}

const fmt = (n: number) => n.toFixed(2);

/** Cost, CPA and ROAS of one level value under one model. Division by zero is null (no figure), never Infinity. */
export interface SpendMetrics {
  readonly cost: number | null;
  readonly cpa: number | null;
  readonly roas: number | null;
}

/** CPA = cost ÷ credited conversions; ROAS = credited value ÷ cost. Cost does not depend on the model. */
export function metricsOf(cost: number | undefined, credit: { conversions: number; value: number } | undefined): SpendMetrics {
  if (cost === undefined) return { cost: null, cpa: null, roas: null };
  const conversions = credit?.conversions ?? 0;
  const value = credit?.value ?? 0;
  return { cost, cpa: conversions > 0 ? cost / conversions : null, roas: cost > 0 ? value / cost : null };
}
