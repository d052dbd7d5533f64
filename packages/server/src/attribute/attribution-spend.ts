import type { ModelSql } from '../identity/model-views.js';
import type { ModelSettings } from '../definitions/model-settings.js';
import { rateBook, readRates } from '../spend/fx-rates.js';
import { reportingCurrencyOf, spendByLevel, type SpendByLevel } from '../spend/spend-by-level.js';
import { readCampaignDays, readTouchGroups } from '../spend/spend-join.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { levelSql, type Level } from './paths-sql.js';

/**
 * Cost per level value for `--with-spend`: the spend of the conversions' date range (every day
 * when unset), joined to the touches of the same sessions the paths are built from, in the
 * reporting currency. Conversion definitions in another currency are named in a note: ROAS would
 * divide one currency by another.
 */
export async function spendForAttribution(
  warehouse: Warehouse,
  m: ModelSql,
  config: ModelSettings,
  q: { readonly level: Level; readonly sessionsOf: (m: ModelSql) => string; readonly since?: string | undefined; readonly until?: string | undefined },
): Promise<SpendByLevel> {
  const days = await readCampaignDays(warehouse, { since: q.since, until: q.until });
  let currency: string;
  try {
    currency = reportingCurrencyOf(config.attribution.reportingCurrency, days);
  } catch (err) {
    // The credits stand without spend: the dashboard still shows them, with the key to set.
    if (!(err instanceof RangeError)) throw err;
    return { currency: '', cost: {}, networkConversions: {}, totalCost: 0, joined: { campaignId: 0, campaignName: 0, unmatched: 0 }, missingRates: {}, notes: [err.message] };
  }
  const groups = days.length ? await readTouchGroups(warehouse, m, q.sessionsOf, (b) => levelSql(b, q.level)) : [];
  const result = spendByLevel(days, groups, rateBook(await readRates(warehouse)), currency);
  const other = config.attribution.conversions.filter((d) => d.currency && d.currency.toUpperCase() !== currency).map((d) => `${d.name ?? d.events[0]} (${d.currency})`);
  const notes = [...result.notes];
  if (days.length === 0) notes.push('no ad spend in this date range: import some with touchline spend import <file.csv>');
  if (other.length) notes.push(`ROAS compares ${currency} cost with conversion values in another currency: ${other.join(', ')}`);
  return { ...result, notes };
}
