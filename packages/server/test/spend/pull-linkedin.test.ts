import { startLinkedinAdAnalyticsStandIn, type LinkedinAdAnalyticsStandInOptions, type LinkedinAnalyticsRow } from '@touchline/destinations/testing';
import type { StandIn } from '@touchline/destinations/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { linkedinAdsSource } from '../../src/spend/pull/linkedin-ads-source.js';
import type { SpendWindow } from '../../src/spend/pull/spend-source.js';
import { collectPages, pullFailure, sourceHarness } from './support/source-harness.js';

// LinkedIn adAnalytics against its contract stand-in (reporting-and-spend.md §B3): no paging and
// silent truncation (here at 5 elements), Rest.li 2.0 query syntax, version headers, 429 without
// Retry-After. The clock is manual; waits advance it.

const ACCOUNT = '5001';
const row = (campaignId: string, day: string, cost: string): LinkedinAnalyticsRow => ({ campaignId, day, cost, impressions: 5120, clicks: 41, conversions: 2 });
const CAMPAIGNS = [
  { id: '987651', name: 'ABM Q4', status: 'ACTIVE', objectiveType: 'LEAD_GENERATION' },
  { id: '987652', name: 'Webinar', status: 'PAUSED', objectiveType: 'WEBSITE_VISIT' },
];
// 987653 is missing from the finder (an archived campaign): two-day slices planned for two
// campaigns then hold six elements, past the truncation limit of five.
const ROWS = [
  row('987651', '2026-11-01', '143.20'), row('987652', '2026-11-01', '0.1'), row('987653', '2026-11-01', '0.2'),
  row('987651', '2026-11-02', '12.3456785'), row('987652', '2026-11-02', '7.0000004'), row('987653', '2026-11-02', '1'),
  row('987651', '2026-11-03', '99.99'),
];
const WINDOW: SpendWindow = { account: ACCOUNT, since: '2026-11-01', until: '2026-11-03' };

const harness = (token = 'test-token', credentials: Record<string, string> = {}) => sourceHarness(token, credentials);
const collect = collectPages;
const failure = pullFailure;

let standIn: StandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});


const start = (h: ReturnType<typeof harness>, over: Partial<LinkedinAdAnalyticsStandInOptions> = {}) =>
  startLinkedinAdAnalyticsStandIn({ clock: h.clock, account: { id: ACCOUNT, currency: 'GBP' }, campaigns: CAMPAIGNS, rows: ROWS, truncateAt: 5, campaignPageSize: 1, ...over });



describe('LinkedIn spend source', () => {
  it('collects every day, splitting a truncated slice, with exact costs in the account currency and the finder campaigns', async () => {
    const h = harness();
    standIn = await start(h);
    const pages = await collect(linkedinAdsSource({ resultLimit: 5 }), WINDOW, h.ctx(standIn.url));
    const rows = pages.flatMap((p) => p.rows).sort((a, b) => (a.date + a.campaignId).localeCompare(b.date + b.campaignId));
    expect(rows.map((r) => [r.date, r.campaignId, r.costMicros, r.currency, r.campaignName])).toEqual([
      ['2026-11-01', '987651', 143_200_000n, 'GBP', 'ABM Q4'],
      ['2026-11-01', '987652', 100_000n, 'GBP', 'Webinar'],
      ['2026-11-01', '987653', 200_000n, 'GBP', null],
      // More than 6 decimals: rounded half up at the micro, on the text.
      ['2026-11-02', '987651', 12_345_679n, 'GBP', 'ABM Q4'],
      ['2026-11-02', '987652', 7_000_000n, 'GBP', 'Webinar'],
      ['2026-11-02', '987653', 1_000_000n, 'GBP', null],
      ['2026-11-03', '987651', 99_990_000n, 'GBP', 'ABM Q4'],
    ]);
    expect(rows[0]).toMatchObject({ network: 'linkedin', account: ACCOUNT, adGroupId: '', impressions: 5120, clicks: 41, networkConversions: 2 });
    expect(pages.flatMap((p) => p.campaigns)).toEqual([
      expect.objectContaining({ campaignId: '987651', campaignName: 'ABM Q4', status: 'ACTIVE', objective: 'LEAD_GENERATION' }),
      expect.objectContaining({ campaignId: '987652', campaignName: 'Webinar', status: 'PAUSED', objective: 'WEBSITE_VISIT' }),
    ]);
    const analytics = standIn.requests.filter((r) => r.path === '/rest/adAnalytics');
    // Two-day slices (limit 5, two known campaigns); the first came back full and was asked again by day.
    expect(analytics.map((r) => r.query['dateRange'])).toEqual([
      '(start:(year:2026,month:11,day:1),end:(year:2026,month:11,day:2))',
      '(start:(year:2026,month:11,day:1),end:(year:2026,month:11,day:1))',
      '(start:(year:2026,month:11,day:2),end:(year:2026,month:11,day:2))',
      '(start:(year:2026,month:11,day:3),end:(year:2026,month:11,day:3))',
    ]);
    expect(analytics.every((r) => r.status === 200 && r.rawQuery!.includes('accounts=List(urn%3Ali%3AsponsoredAccount%3A5001)'))).toBe(true);
    expect(standIn.requests.every((r) => r.headers['linkedin-version'] === '202603' && r.headers['x-restli-protocol-version'] === '2.0.0')).toBe(true);
  });

  it('reports a single day that fills the whole answer as partial', async () => {
    const h = harness();
    standIn = await start(h, { truncateAt: 2 });
    const e = await failure(collect(linkedinAdsSource({ resultLimit: 2 }), WINDOW, h.ctx(standIn.url)));
    expect([e.failure, e.message]).toEqual(['partial', expect.stringContaining('2026-11-01')]);
  });

  it('waits out a 429 (its Retry-After when it has one, else a back-off), then stops as throttled past the budget', async () => {
    const h = harness();
    standIn = await start(h);
    standIn.script({ status: 429, headers: { 'retry-after': '30' } });
    expect((await collect(linkedinAdsSource({ resultLimit: 5 }), WINDOW, h.ctx(standIn.url))).flatMap((p) => p.rows)).toHaveLength(7);
    expect(h.sleeps).toHaveLength(1);
    expect(h.sleeps[0]).toBeGreaterThanOrEqual(30_000);
    standIn.script(...Array.from({ length: 5 }, () => ({ status: 429 })));
    const e = await failure(collect(linkedinAdsSource({ resultLimit: 5 }), WINDOW, h.ctx(standIn.url)));
    expect(e.failure).toBe('throttled');
    expect(h.sleeps).toHaveLength(5);
  });

  it('stops as auth on a revoked token', async () => {
    const h = harness('revoked');
    standIn = await start(h);
    const e = await failure(collect(linkedinAdsSource(), WINDOW, h.ctx(standIn.url)));
    expect([e.failure, e.message]).toEqual(['auth', expect.stringContaining('REVOKED_ACCESS_TOKEN')]);
    // The advice is about reporting's permissions, not the Conversions destination's.
    expect(e.message).toContain('r_ads_reporting');
    expect(e.message).not.toContain('rw_conversions');
    expect(h.sleeps).toEqual([]);
  });

  it('refuses a hostile account id or API version before any request', async () => {
    const h = harness();
    standIn = await start(h);
    for (const account of [`${ACCOUNT})&accounts=List(urn%3Ali%3AsponsoredAccount%3A6`, '../adAccounts/6', 'urn:li:sponsoredAccount:5001', '']) {
      expect((await failure(collect(linkedinAdsSource(), { ...WINDOW, account }, h.ctx(standIn.url)))).failure).toBe('refused');
    }
    const evil = harness('test-token', { apiVersion: '202603\r\nx-evil: 1' });
    expect((await failure(collect(linkedinAdsSource(), WINDOW, evil.ctx(standIn.url)))).failure).toBe('refused');
    expect(standIn.requests).toHaveLength(0);
  });

  it('calls an element that is no campaign, or a cost that is no decimal, a contract break', async () => {
    const h = harness();
    standIn = await start(h, { rows: [row('987651', '2026-11-01', '1e3')] });
    expect((await failure(collect(linkedinAdsSource(), WINDOW, h.ctx(standIn.url)))).failure).toBe('contract');
    await standIn.close();
    standIn = await start(h, { campaignPageSize: 1000 });
    standIn.script(
      { status: 200, body: { id: 5001, currency: 'GBP' } },
      { status: 200, body: { elements: [], metadata: {} } },
      { status: 200, body: { elements: [{ pivotValues: ['urn:li:sponsoredCreative:1'], dateRange: { start: { year: 2026, month: 11, day: 1 } }, costInLocalCurrency: '1' }] } },
    );
    const e = await failure(collect(linkedinAdsSource(), WINDOW, h.ctx(standIn.url)));
    expect([e.failure, e.message]).toEqual(['contract', expect.stringContaining('sponsoredCreative')]);
  });
});
