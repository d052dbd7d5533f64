import { describe, expect, it } from 'vitest';
import { decimalToMicros, microsToDecimal } from '../../src/spend/decimal.js';
import { rateBook } from '../../src/spend/fx-rates.js';
import { metricsOf, spendByLevel, UNMATCHED } from '../../src/spend/spend-by-level.js';
import { spendRowOf } from '../../src/spend/spend-csv.js';
import { endDayOf, matchCampaign, type TouchGroup } from '../../src/spend/spend-join.js';
import { normaliseCampaignName } from '../../src/spend/spend-row.js';

describe('spend values', () => {
  it('reads money exactly, and refuses what is not a plain decimal', () => {
    expect(decimalToMicros('81.07')).toBe(81_070_000n);
    expect(decimalToMicros('0.1')! + decimalToMicros('0.2')!).toBe(decimalToMicros('0.3'));
    expect(decimalToMicros(' 12.500000 ')).toBe(12_500_000n);
    expect(decimalToMicros('92233720368547.758070')).toBe(92_233_720_368_547_758_070n);
    for (const bad of ['1e3', '0x10', '1,000.00', '€12', '12 EUR', 'Infinity', 'NaN', '', '.5', '1.', '1.0000001', '１２', '1.2.3', '--1']) {
      expect(decimalToMicros(bad), bad).toBeNull();
    }
    for (const m of [0n, 1n, 81_070_000n, 10n ** 20n + 7n, -5_000_000n]) expect(decimalToMicros(microsToDecimal(m))).toBe(m);
  });

  it('names every problem of a CSV row, and the day it was for when that much is readable', () => {
    const r = spendRowOf({ date: '2026-13-01', network: 'Meta Ads', cost: '-1', currency: 'euro', impressions: '1.5', clicks: '-2' }, 7);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problem.line).toBe(7);
    expect(r.problem.day).toBeNull();
    expect(r.problem.reasons).toEqual([
      'date: "2026-13-01" is not a day written YYYY-MM-DD',
      'network: "meta ads" must be a short name of letters, digits, _ . - (google_ads, meta, linkedin, tiktok, microsoft_ads)',
      'campaign_id or campaign_name is needed',
      'currency: "EURO" is not a three-letter ISO 4217 code',
      expect.stringContaining('cost: "-1"'),
      'impressions: "1.5" is not a whole number ≥ 0',
      'clicks: "-2" is not a whole number ≥ 0',
    ]);
    const both = spendRowOf({ date: '2026-01-01', network: 'meta', campaign_id: '1', cost: '1', cost_micros: '1000000', currency: 'EUR' }, 2);
    expect(both.ok ? null : both.problem.reasons).toEqual(['give cost or cost_micros, not both']);
  });

  it('joins by id before name, by name only on the network’s own sources, and splits a campaign by its sessions', () => {
    const g = (over: Partial<TouchGroup>): TouchGroup => ({ utmId: null, utmCampaign: null, source: 'google', medium: 'cpc', clickIdType: null, level: 'Paid Search', sessions: 1, ...over });
    const groups = [
      g({ utmId: '9', utmCampaign: 'Other name', sessions: 3 }),
      g({ utmId: '9', level: 'Display', sessions: 1 }),
      g({ utmCampaign: 'Spring_Sale-2026', source: 'facebook', level: 'Paid Social' }),
      g({ utmCampaign: 'spring sale 2026', source: 'google', level: 'Paid Search' }),
    ];
    const byId = matchCampaign({ network: 'google_ads', campaignId: '9', campaignName: 'Spring Sale 2026' }, groups);
    expect(byId.by).toBe('campaign_id');
    expect(Object.fromEntries(byId.shares)).toEqual({ 'Paid Search': 0.75, Display: 0.25 });
    const byName = matchCampaign({ network: 'meta', campaignId: '77', campaignName: '  SPRING   sale+2026 ' }, groups);
    expect(byName.by).toBe('campaign_name');
    expect(Object.fromEntries(byName.shares)).toEqual({ 'Paid Social': 1 });
    expect(matchCampaign({ network: 'tiktok', campaignId: '77', campaignName: 'Spring Sale 2026' }, groups).by).toBe('none');
    expect(normaliseCampaignName('Ｂrand_Search')).toBe('brand search');
    // Cost follows the shares; no rate, no cost (and it is named).
    const days = [
      { network: 'google_ads', campaignId: '9', campaignName: null, currency: 'EUR', date: '2026-01-01', costMicros: 8_000_000n, networkConversions: 2 },
      { network: 'meta', campaignId: '1', campaignName: 'nothing', currency: 'GBP', date: '2026-01-01', costMicros: 1_000_000n, networkConversions: 0 },
      { network: 'meta', campaignId: '2', campaignName: 'nothing', currency: 'EUR', date: '2026-01-01', costMicros: 3_000_000n, networkConversions: 0 },
    ];
    const s = spendByLevel(days, groups, rateBook([]), 'EUR');
    expect(s.cost).toEqual({ 'Paid Search': 6, Display: 2, [UNMATCHED]: 3 });
    expect(s.networkConversions['Paid Search']).toBe(1.5);
    expect(s.missingRates).toEqual({ GBP: ['2026-01-01'] });
  });

  it('ends a spend range where the conversions range ends (until is exclusive)', () => {
    expect(endDayOf('2026-01-03')).toBe('2026-01-03');
    expect(endDayOf('2026-01-03T00:00:00.000Z')).toBe('2026-01-03');
    expect(endDayOf('2026-01-03T12:00:00Z')).toBe('2026-01-04');
    expect(endDayOf('2026-12-31T23:59:59.999Z')).toBe('2027-01-01');
    expect(() => endDayOf("2026-01-03' OR 1=1 --")).toThrow(/is not a date or time/);
  });

  it('never divides by zero: no conversions, no CPA; no cost, no ROAS', () => {
    expect(metricsOf(10, { conversions: 0, value: 0 })).toEqual({ cost: 10, cpa: null, roas: 0 });
    expect(metricsOf(0, { conversions: 2, value: 5 })).toEqual({ cost: 0, cpa: 0, roas: null });
    expect(metricsOf(undefined, { conversions: 2, value: 5 })).toEqual({ cost: null, cpa: null, roas: null });
    expect(metricsOf(8, { conversions: 0.5, value: 50 })).toEqual({ cost: 8, cpa: 16, roas: 6.25 });
  });
});
