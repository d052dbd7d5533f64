import { startTiktokReportingStandIn, type TiktokReportRow } from '@touchline/destinations/testing';
import type { StandIn } from '@touchline/destinations/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { MORE_SPEND_SOURCES } from '../../src/spend/pull/more-sources.js';
import { KNOWN_NETWORKS } from '../../src/spend/spend-row.js';
import type { SpendWindow } from '../../src/spend/pull/spend-source.js';
import { tiktokAdsSource } from '../../src/spend/pull/tiktok-ads-source.js';
import { collectPages, pullFailure, sourceHarness } from './support/source-harness.js';

// TikTok reporting against its contract stand-in (reporting-and-spend.md §B4): pages, 30-day
// slices, HTTP-200 envelope errors, page drift. The clock is manual; waits advance it.

const ADVERTISER = '7000000001';
const row = (campaignId: string, day: string, spend: string, extra: Partial<TiktokReportRow> = {}): TiktokReportRow => ({
  advertiserId: ADVERTISER, campaignId, campaignName: `Spark ${campaignId}`, day, spend, impressions: 1000, clicks: 10, conversion: 2, ...extra,
});
const ROWS = [
  row('170001', '2026-10-01', '0.10'),
  row('170001', '2026-11-01', '55.10'),
  row('170002', '2026-11-01', '0.20'),
  row('170001', '2026-11-02', '19.99'),
  row('170002', '2026-11-02', '1234567.891234'),
];
const WINDOW: SpendWindow = { account: ADVERTISER, since: '2026-10-01', until: '2026-11-09' };

const harness = (token = 'test-token') => sourceHarness(token);
const collect = collectPages;
const failure = pullFailure;

let standIn: StandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});




describe('TikTok spend source', () => {
  it('collects every page of every 30-day slice with exact costs in the advertiser currency', async () => {
    const h = harness();
    standIn = await startTiktokReportingStandIn({ clock: h.clock, advertisers: { [ADVERTISER]: 'EUR' }, rows: ROWS });
    const pages = await collect(tiktokAdsSource({ pageSize: 2 }), WINDOW, h.ctx(standIn.url));
    const rows = pages.flatMap((p) => p.rows);
    expect(rows.map((r) => [r.date, r.campaignId, r.costMicros, r.currency])).toEqual([
      ['2026-10-01', '170001', 100_000n, 'EUR'],
      ['2026-11-01', '170001', 55_100_000n, 'EUR'],
      ['2026-11-01', '170002', 200_000n, 'EUR'],
      ['2026-11-02', '170001', 19_990_000n, 'EUR'],
      ['2026-11-02', '170002', 1_234_567_891_234n, 'EUR'],
    ]);
    expect(rows[1]).toMatchObject({ network: 'tiktok', account: ADVERTISER, campaignName: 'Spark 170001', adGroupId: '', impressions: 1000, clicks: 10, networkConversions: 2 });
    expect(pages.flatMap((p) => p.campaigns).find((c) => c.campaignId === '170002')).toMatchObject({ network: 'tiktok', campaignName: 'Spark 170002' });
    // 40 days = two slices the stand-in accepts (it refuses more than 30); the second has 2 pages of 2.
    const reports = standIn.requests.filter((r) => r.path.endsWith('/report/integrated/get/'));
    expect(reports.map((r) => [r.query['start_date'], r.query['end_date'], r.query['page']])).toEqual([
      ['2026-10-01', '2026-10-30', '1'], ['2026-10-31', '2026-11-09', '1'], ['2026-10-31', '2026-11-09', '2'],
    ]);
    expect(reports.every((r) => r.status === 200 && r.headers['access-token'] === 'test-token' && r.headers['authorization'] === undefined)).toBe(true);
  });

  it('counts a campaign-day once when the report drifts between pages', async () => {
    const h = harness();
    standIn = await startTiktokReportingStandIn({ clock: h.clock, advertisers: { [ADVERTISER]: 'USD' }, rows: ROWS.slice(1), insertAfterFirstPage: row('170009', '2026-11-01', '5.00') });
    const rows = (await collect(tiktokAdsSource({ pageSize: 2 }), { ...WINDOW, since: '2026-11-01' }, h.ctx(standIn.url))).flatMap((p) => p.rows);
    const keys = rows.map((r) => `${r.campaignId}|${r.date}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toContain('170002|2026-11-01');
  });

  it('waits out a throttle (envelope 40100 in an HTTP 200) and then stops as throttled past the budget', async () => {
    const h = harness();
    standIn = await startTiktokReportingStandIn({ clock: h.clock, advertisers: { [ADVERTISER]: 'EUR' }, rows: ROWS });
    const throttle = { status: 200, body: { code: 40100, message: 'Too many requests. Please retry in some time.', request_id: 'r', data: {} } };
    standIn.script(throttle);
    const rows = (await collect(tiktokAdsSource(), WINDOW, h.ctx(standIn.url))).flatMap((p) => p.rows);
    expect(rows).toHaveLength(5);
    expect(h.sleeps).toHaveLength(1);

    standIn.script(...Array.from({ length: 5 }, () => throttle));
    const e = await failure(collect(tiktokAdsSource(), WINDOW, h.ctx(standIn.url)));
    expect(e.failure).toBe('throttled');
    expect(h.sleeps).toHaveLength(1 + 4);
  });

  it('stops as auth on a revoked token (40105) and as partial on a partial-success report (20001)', async () => {
    const dead = harness('revoked-token');
    standIn = await startTiktokReportingStandIn({ clock: dead.clock, advertisers: { [ADVERTISER]: 'EUR' }, rows: ROWS });
    const e = await failure(collect(tiktokAdsSource(), WINDOW, dead.ctx(standIn.url)));
    expect([e.failure, e.message]).toEqual(['auth', expect.stringContaining('40105')]);
    expect(dead.sleeps).toEqual([]);

    const h = harness();
    standIn.script(
      { status: 200, body: { code: 0, message: 'OK', request_id: 'r1', data: { list: [{ advertiser_id: ADVERTISER, currency: 'EUR' }] } } },
      { status: 200, body: { code: 20001, message: 'Partial success', request_id: 'r2', data: {} } },
    );
    expect((await failure(collect(tiktokAdsSource(), WINDOW, h.ctx(standIn.url)))).failure).toBe('partial');
  });

  it('refuses a hostile advertiser id before any request', async () => {
    const h = harness();
    standIn = await startTiktokReportingStandIn({ clock: h.clock, advertisers: { [ADVERTISER]: 'EUR' }, rows: ROWS });
    for (const account of [`${ADVERTISER}&advertiser_id=1`, '../advertiser/info', '', '１２３']) {
      const e = await failure(collect(tiktokAdsSource(), { ...WINDOW, account }, h.ctx(standIn.url)));
      expect(e.failure).toBe('refused');
    }
    expect(standIn.requests).toHaveLength(0);
  });

  it('calls a cost that is no decimal a contract break', async () => {
    const h = harness();
    standIn = await startTiktokReportingStandIn({ clock: h.clock, advertisers: { [ADVERTISER]: 'EUR' }, rows: [row('170001', '2026-11-01', '12,50')] });
    const e = await failure(collect(tiktokAdsSource(), WINDOW, h.ctx(standIn.url)));
    expect([e.failure, e.message]).toEqual(['contract', expect.stringContaining('"12,50"')]);
  });

  it('is registered beside LinkedIn and Microsoft Advertising, each with the permissions reporting needs', () => {
    expect(MORE_SPEND_SOURCES.map((s) => [s.network, s.scopes])).toEqual([
      ['linkedin', ['r_ads_reporting', 'r_ads']],
      ['tiktok', ['Reporting']],
      ['microsoft_ads', ['https://ads.microsoft.com/msads.manage']],
    ]);
    expect(MORE_SPEND_SOURCES.every((s) => (KNOWN_NETWORKS as readonly string[]).includes(s.network))).toBe(true);
  });
});
