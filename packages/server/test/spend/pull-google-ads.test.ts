import { startGoogleAdsReportingStandIn, type GoogleAdsReportingStandIn } from '@touchline/destinations/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { googleAdsSource, googleCustomerId, spendQuery } from '../../src/spend/pull/google-ads-source.js';
import { runSpendPull, type PullTarget } from '../../src/spend/pull/pull-runner.js';
import { SPEND_SOURCES } from '../../src/spend/pull/sources.js';
import { SpendPullError } from '../../src/spend/pull/spend-source.js';
import { tempDuckDBWarehouse, type DisposableWarehouse } from '../support/warehouses.js';
import { countRows, pullHarness, spendByDay } from './pull-support.js';

const CID = '1234567890';
const target: PullTarget = { name: 'gads', network: 'google_ads', accounts: ['123-456-7890'] };
const quota = (delay: string) => ({
  status: 429,
  body: { error: { code: 429, status: 'RESOURCE_EXHAUSTED', message: 'Resource has been exhausted', details: [{ errors: [{ errorCode: { quotaError: 'RESOURCE_EXHAUSTED' }, message: 'Too many requests.', details: { quotaErrorDetails: { rateScope: 'ACCOUNT', retryDelay: delay } } }] }] } },
});

describe('touchline spend pull: Google Ads searchStream against its stand-in, on DuckDB', () => {
  let w: DisposableWarehouse;
  let api: GoogleAdsReportingStandIn;
  let h = pullHarness();
  beforeAll(async () => {
    w = await tempDuckDBWarehouse('touchline-pull-gads');
    await w.warehouse.migrate();
    api = await startGoogleAdsReportingStandIn({ developerToken: 'dev-1', batchSize: 2, managerCustomerId: '9998887777' });
  });
  afterAll(async () => {
    await api.close();
    await w.dispose();
  });
  afterEach(async () => {
    api.reset();
    for (const t of ['ad_spend_rows', 'ad_spend_loads', 'ad_campaigns']) await w.warehouse.query(`DELETE FROM ${t}`, { readOnly: false });
    h = pullHarness();
  });
  const creds = { developerToken: 'dev-1', loginCustomerId: '999-888-7777' };
  const pull = (o: { token?: string; credentials?: Record<string, string>; since?: string; until?: string; account?: string } = {}) =>
    runSpendPull(
      { warehouse: w.warehouse, sources: SPEND_SOURCES, clock: h.clock, lookbackDays: 3, context: () => h.context(api.url, o.credentials ?? creds, o.token) },
      o.account !== undefined ? [{ ...target, accounts: [o.account] }] : [target],
      { since: o.since, until: o.until },
    );

  it('reads every batch of the stream, sums a campaign-day across ad network types, and writes each day with its campaigns', async () => {
    api.put(CID, [
      { date: '2026-11-03', campaignId: '111', campaignName: 'PMax EU', channelType: 'PERFORMANCE_MAX', adNetworkType: 'MIXED', costMicros: 15_250_000n, impressions: 4210, clicks: 97, conversions: 3.5, conversionsValue: 412 },
      { date: '2026-11-03', campaignId: '222', campaignName: 'Brand', adNetworkType: 'SEARCH', costMicros: 2_000_000n, clicks: 10 },
      { date: '2026-11-03', campaignId: '222', campaignName: 'Brand', adNetworkType: 'SEARCH_PARTNERS', costMicros: 500_000n, clicks: 2 },
      { date: '2026-11-04', campaignId: '222', campaignName: 'Brand', adNetworkType: 'SEARCH', costMicros: 1_000_000n },
      { date: '2026-11-05', campaignId: '111', campaignName: 'PMax EU', channelType: 'PERFORMANCE_MAX', adNetworkType: 'MIXED', costMicros: 0n },
    ]);
    const [out] = await pull();
    expect(out).toMatchObject({ ok: true, account: CID, since: '2026-11-03', until: '2026-11-05', rows: 4, days: 3, campaigns: 2, pages: 3 });
    expect(Object.fromEntries(await spendByDay(w.warehouse, 'google_ads'))).toEqual({ '111|2026-11-03': 15_250_000n, '111|2026-11-05': 0n, '222|2026-11-03': 2_500_000n, '222|2026-11-04': 1_000_000n });
    const req = api.requests[0]!;
    expect(req.path).toBe(`/v26/customers/${CID}/googleAds:searchStream`);
    expect(req.headers).toMatchObject({ 'developer-token': 'dev-1', 'login-customer-id': '9998887777', authorization: 'Bearer test-token' });
    const camp = await w.warehouse.query(`SELECT campaign_id, campaign_name, channel_type, ad_network_type, status FROM ad_campaigns WHERE network = 'google_ads' ORDER BY campaign_id`);
    expect(camp.rows).toEqual([['111', 'PMax EU', 'PERFORMANCE_MAX', 'MIXED', 'ENABLED'], ['222', 'Brand', 'SEARCH', 'SEARCH', 'ENABLED']]);
    const row = await w.warehouse.query(`SELECT impressions, clicks, network_conversions, network_conversion_value, currency FROM ad_spend WHERE campaign_id = '222' AND date = DATE '2026-11-03'`);
    // Google leaves a zero metric out of the JSON: zero, not unknown.
    expect(row.rows).toEqual([[0, 12, 0, 0, 'EUR']]);
  });

  it('re-pulling a restated day replaces its cost, and a campaign gone from the restatement is gone', async () => {
    api.put(CID, [
      { date: '2026-11-04', campaignId: '111', campaignName: 'A', costMicros: 9_000_000n },
      { date: '2026-11-04', campaignId: '222', campaignName: 'B', costMicros: 1_000_000n },
    ]);
    expect((await pull())[0]).toMatchObject({ ok: true });
    // The network restates the day: A's cost falls and B's row is withdrawn.
    api.put(CID, [{ date: '2026-11-04', campaignId: '111', campaignName: 'A', costMicros: 7_000_000n }, { date: '2026-11-04', campaignId: '222', campaignName: 'B', costMicros: 0n }]);
    expect((await pull())[0]).toMatchObject({ ok: true });
    expect(Object.fromEntries(await spendByDay(w.warehouse, 'google_ads'))).toEqual({ '111|2026-11-04': 7_000_000n, '222|2026-11-04': 0n });
  });

  it('waits the retryDelay Google names when the quota is exhausted, then pulls', async () => {
    api.put(CID, [{ date: '2026-11-05', campaignId: '111', campaignName: 'A', costMicros: 3_000_000n }]);
    api.script(quota('7s'), quota('11s'));
    const before = h.clock.now();
    const [out] = await pull();
    expect(out).toMatchObject({ ok: true, rows: 1 });
    expect(h.slept).toEqual([7000, 11000]);
    expect(h.clock.now() - before).toBe(18_000);
    expect(api.requests).toHaveLength(3);
  });

  it('gives up as throttled when the quota stays exhausted, and writes nothing', async () => {
    api.put(CID, [{ date: '2026-11-05', campaignId: '111', campaignName: 'A', costMicros: 3_000_000n }]);
    api.script(...Array.from({ length: 5 }, () => quota('30s')));
    const [out] = await pull();
    expect(out).toMatchObject({ ok: false, failure: 'throttled', fix: expect.stringContaining('touchline spend pull --network google_ads --account 123-456-7890 --since 2026-11-03 --until 2026-11-05') });
    expect(api.requests).toHaveLength(5);
    expect(await countRows(w.warehouse, 'ad_spend_loads')).toBe(0);
  });

  it('a dead token is auth, names the reconnect, and writes nothing', async () => {
    api.put(CID, [{ date: '2026-11-05', campaignId: '111', campaignName: 'A', costMicros: 3_000_000n }]);
    const [out] = await runSpendPull(
      { warehouse: w.warehouse, sources: SPEND_SOURCES, clock: h.clock, lookbackDays: 3, context: () => h.context(api.url, creds, 'revoked') },
      [{ ...target, connection: 'google_ads_main' }],
    );
    expect(out).toMatchObject({ ok: false, failure: 'auth', fix: expect.stringContaining('touchline destinations connect google_ads_main') });
    expect(api.requests).toHaveLength(1);
    expect(await countRows(w.warehouse, 'ad_spend_rows')).toBe(0);
  });

  it('a token refused with a 401 is renewed once through the grant, and the pull goes on', async () => {
    api.put(CID, [{ date: '2026-11-05', campaignId: '111', campaignName: 'A', costMicros: 3_000_000n }]);
    const renewed: string[] = [];
    const context = () => ({ ...h.context(api.url, creds, 'expired-at-google'), renewToken: async (t: string) => (renewed.push(t), 'test-token') });
    const [out] = await runSpendPull({ warehouse: w.warehouse, sources: SPEND_SOURCES, clock: h.clock, lookbackDays: 1, context }, [target]);
    expect(out).toMatchObject({ ok: true, rows: 1 });
    expect(renewed).toEqual(['expired-at-google']);
    expect(api.requests.map((r) => r.headers['authorization'])).toEqual(['Bearer expired-at-google', 'Bearer test-token']);
    // A grant that cannot renew: auth after the one retry, nothing more.
    api.reset();
    const dead = () => ({ ...h.context(api.url, creds, 'revoked'), renewToken: async () => null });
    const [gone] = await runSpendPull({ warehouse: w.warehouse, sources: SPEND_SOURCES, clock: h.clock, lookbackDays: 1, context: dead }, [target]);
    expect(gone).toMatchObject({ ok: false, failure: 'auth' });
    expect(api.requests).toHaveLength(1);
  });

  it('a missing or test-only developer token is refused, not retried', async () => {
    const [missing] = await pull({ credentials: { loginCustomerId: '9998887777' } });
    expect(missing).toMatchObject({ ok: false, failure: 'refused', message: expect.stringContaining('no developer token') });
    expect(api.requests).toHaveLength(0);
    const [wrong] = await pull({ credentials: { developerToken: 'other', loginCustomerId: '9998887777' } });
    expect(wrong).toMatchObject({ ok: false, failure: 'refused', message: expect.stringContaining('DEVELOPER_TOKEN_INVALID') });
    const testOnly = await startGoogleAdsReportingStandIn({ developerToken: 'dev-1', testAccessOnly: true });
    try {
      const items = googleAdsSource.pull({ account: CID, since: '2026-11-01', until: '2026-11-01' }, h.context(testOnly.url, { developerToken: 'dev-1' }));
      await expect(items[Symbol.asyncIterator]().next()).rejects.toMatchObject({ failure: 'refused', message: expect.stringContaining('DEVELOPER_TOKEN_NOT_APPROVED') });
      expect(testOnly.requests).toHaveLength(1);
    } finally {
      await testOnly.close();
    }
  });

  it('a stream that breaks off after its first batch is partial, and none of the window is written', async () => {
    api.put(CID, ['2026-11-03', '2026-11-04', '2026-11-05'].map((date) => ({ date, campaignId: '111', campaignName: 'A', costMicros: 1_000_000n })));
    api.breakNextStreamAfter(1);
    const [out] = await pull();
    expect(out).toMatchObject({ ok: false, failure: 'partial', message: expect.stringContaining('after 1 batch') });
    expect(await countRows(w.warehouse, 'ad_spend_loads')).toBe(0);
  });

  it('refuses hostile account ids before any request, and a backwards window', async () => {
    for (const account of ['123/../4567890', '12345678901', "1234567890' OR '1'='1", '123456789%2F', 'act_1234567890', '']) {
      const [out] = await pull({ account });
      expect(out, account).toMatchObject({ ok: false, failure: 'refused', since: null });
    }
    expect(() => googleCustomerId('１２３４５６７８９０')).toThrow(SpendPullError);
    const [backwards] = await pull({ since: '2026-11-05', until: '2026-11-01' });
    expect(backwards).toMatchObject({ ok: false, failure: 'refused' });
    expect(() => spendQuery("2026-11-01' OR 1=1 --", '2026-11-02')).toThrow(SpendPullError);
    expect(api.requests).toHaveLength(0);
  });

  it('the stand-in refuses what the API refuses: an unknown GAQL field, an unfiltered or backwards date range', async () => {
    const post = (query: string) => fetch(`${api.url}/v26/customers/${CID}/googleAds:searchStream`, {
      method: 'POST', headers: { authorization: 'Bearer test-token', 'developer-token': 'dev-1', 'login-customer-id': '9998887777', 'content-type': 'application/json' }, body: JSON.stringify({ query }),
    }).then(async (r) => ({ status: r.status, text: await r.text() }));
    expect(await post(`SELECT campaign.id, metrics.cost_dollars FROM campaign WHERE segments.date BETWEEN '2026-11-01' AND '2026-11-02'`)).toMatchObject({ status: 400, text: expect.stringContaining('BAD_FIELD_NAME') });
    expect(await post(`SELECT campaign.id, segments.date FROM campaign`)).toMatchObject({ status: 400, text: expect.stringContaining('EXPECTED_FILTERS_ON_DATE_RANGE') });
    expect(await post(`SELECT campaign.id FROM campaign WHERE segments.date BETWEEN '2026-11-05' AND '2026-11-01'`)).toMatchObject({ status: 400, text: expect.stringContaining('DATE_RANGE_TOO_NARROW') });
    expect(await post(spendQuery('2026-11-01', '2026-11-02'))).toMatchObject({ status: 200 });
    const noDeveloperToken = await fetch(`${api.url}/v26/customers/${CID}/googleAds:searchStream`, { method: 'POST', headers: { authorization: 'Bearer test-token', 'content-type': 'application/json' }, body: JSON.stringify({ query: spendQuery('2026-11-01', '2026-11-02') }) });
    expect(noDeveloperToken.status).toBe(401);
    expect(await noDeveloperToken.text()).toContain('DEVELOPER_TOKEN_PARAMETER_MISSING');
  });
});
