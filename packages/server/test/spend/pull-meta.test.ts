import { startMetaInsightsStandIn, type MetaInsightsStandIn } from '@touchline/destinations/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { metaInsightsSource, regainAccessMs } from '../../src/spend/pull/meta-insights-source.js';
import { runSpendPull, type PullTarget } from '../../src/spend/pull/pull-runner.js';
import { SPEND_SOURCES } from '../../src/spend/pull/sources.js';
import { tempDuckDBWarehouse, type DisposableWarehouse } from '../support/warehouses.js';
import { countRows, pullHarness, spendByDay } from './pull-support.js';

const ACT = '1122334455';
const target: PullTarget = { name: 'meta', network: 'meta', accounts: [`act_${ACT}`] };
const days = (from: number, n: number) => Array.from({ length: n }, (_, i) => `2026-11-${String(from + i).padStart(2, '0')}`);

describe('touchline spend pull: Meta Insights async report job against its stand-in, on DuckDB', () => {
  let w: DisposableWarehouse;
  let api: MetaInsightsStandIn;
  let h = pullHarness();
  beforeAll(async () => {
    w = await tempDuckDBWarehouse('touchline-pull-meta');
    await w.warehouse.migrate();
    api = await startMetaInsightsStandIn({ currency: 'usd', pollsToComplete: 3 });
  });
  afterAll(async () => {
    await api.close();
    await w.dispose();
  });
  afterEach(async () => {
    api.reset();
    api.setRateLimit(null);
    for (const t of ['ad_spend_rows', 'ad_spend_loads', 'ad_campaigns']) await w.warehouse.query(`DELETE FROM ${t}`, { readOnly: false });
    h = pullHarness();
  });
  const pull = (o: { token?: string; since?: string; until?: string; accounts?: string[] } = {}) =>
    runSpendPull(
      { warehouse: w.warehouse, sources: SPEND_SOURCES, clock: h.clock, lookbackDays: 3, context: () => h.context(api.url, {}, o.token) },
      [{ ...target, ...(o.accounts ? { accounts: o.accounts } : {}) }],
      { since: o.since, until: o.until },
    );

  it('runs the job, polls until Job Completed, pages by cursor and writes spend in the account currency', async () => {
    // 9 days x 60 campaigns = 540 rows: two pages of at most 500.
    api.put(ACT, days(1, 9).flatMap((date) => Array.from({ length: 60 }, (_, c) => ({ date, campaignId: String(2385 + c), campaignName: `C${c}`, spend: '81.07', impressions: 10, clicks: 2, purchases: c === 0 ? 3 : 0, ...(c === 0 ? { purchaseValue: '120.50' } : {}) }))));
    const [out] = await pull({ since: '2026-11-01', until: '2026-11-09' });
    expect(out).toMatchObject({ ok: true, account: `act_${ACT}`, rows: 540, days: 9, campaigns: 60, pages: 2 });
    const paths = api.requests.map((r) => `${r.method} ${r.path.replace(/(?<!act_)\d{10}/, 'RUN')}`);
    expect(paths).toEqual([`GET /v25.0/act_${ACT}`, `POST /v25.0/act_${ACT}/insights`, 'GET /v25.0/RUN', 'GET /v25.0/RUN', 'GET /v25.0/RUN', 'GET /v25.0/RUN/insights', 'GET /v25.0/RUN/insights']);
    expect(api.requests[1]!.body).toMatchObject({ level: 'campaign', time_increment: '1', time_range: JSON.stringify({ since: '2026-11-01', until: '2026-11-09' }) });
    // The token travels as a header, never in a URL.
    expect(api.requests.every((r) => r.headers['authorization'] === 'Bearer test-token' && r.query['access_token'] === undefined)).toBe(true);
    expect(h.slept).toEqual([2000, 4000, 8000]);
    const total = await w.warehouse.query(`SELECT sum(cost_micros), min(currency), max(currency) FROM ad_spend WHERE network = 'meta'`);
    expect(total.rows).toEqual([[540 * 81_070_000, 'USD', 'USD']]);
    const conv = await w.warehouse.query(`SELECT network_conversions, network_conversion_value FROM ad_spend WHERE campaign_id = '2385' AND date = DATE '2026-11-01'`);
    expect(conv.rows).toEqual([[3, 120.5]]);
  });

  it('a restated day re-pulled replaces its cost instead of adding to it', async () => {
    api.put(ACT, [{ date: '2026-11-04', campaignId: '7', campaignName: 'P', spend: '50.00' }, { date: '2026-11-05', campaignId: '7', campaignName: 'P', spend: '20.00' }]);
    expect((await pull())[0]).toMatchObject({ ok: true, since: '2026-11-03', until: '2026-11-05' });
    api.put(ACT, [{ date: '2026-11-05', campaignId: '7', campaignName: 'P', spend: '25.10' }]);
    expect((await pull())[0]).toMatchObject({ ok: true });
    expect(Object.fromEntries(await spendByDay(w.warehouse, 'meta'))).toEqual({ '7|2026-11-04': 50_000_000n, '7|2026-11-05': 25_100_000n });
  });

  it('throttled (code 17 and the usage header) waits as Meta says, then succeeds', async () => {
    api.put(ACT, [{ date: '2026-11-05', campaignId: '7', campaignName: 'P', spend: '1.00' }]);
    const usage = JSON.stringify({ [ACT]: [{ type: 'ads_insights', call_count: 100, total_cputime: 20, total_time: 20, estimated_time_to_regain_access: 4 }] });
    api.script({ status: 400, headers: { 'x-business-use-case-usage': usage }, body: { error: { message: 'User request limit reached', type: 'OAuthException', code: 17, error_subcode: 2446079, is_transient: true, fbtrace_id: 't' } } });
    const [out] = await pull();
    expect(out).toMatchObject({ ok: true, rows: 1 });
    expect(h.slept[0]).toBe(4 * 60_000);
  });

  it('throttled past the retry budget is `throttled`, with nothing written', async () => {
    api.put(ACT, [{ date: '2026-11-05', campaignId: '7', campaignName: 'P', spend: '1.00' }]);
    api.setRateLimit({ requests: 0, windowMs: 3_600_000 });
    const [out] = await pull();
    expect(out).toMatchObject({ ok: false, failure: 'throttled', message: expect.stringContaining('#17/2446079') });
    expect(api.requests).toHaveLength(5);
    expect(await countRows(w.warehouse, 'ad_spend_loads')).toBe(0);
  });

  it('a dead token (code 190) is auth: one call, nothing written', async () => {
    const [out] = await pull({ token: 'expired' });
    expect(out).toMatchObject({ ok: false, failure: 'auth', message: expect.stringContaining('#190/463'), fix: expect.stringContaining('spend.pull.connections.meta.credentials.accessToken') });
    expect(api.requests).toHaveLength(1);
    expect(await countRows(w.warehouse, 'ad_spend_rows')).toBe(0);
  });

  it('a failed job is partial, and the days it covered keep what they had', async () => {
    api.put(ACT, [{ date: '2026-11-05', campaignId: '7', campaignName: 'P', spend: '9.00' }]);
    await pull();
    api.put(ACT, [{ date: '2026-11-05', campaignId: '7', campaignName: 'P', spend: '1.00' }]);
    api.failNextJob();
    const [out] = await pull();
    expect(out).toMatchObject({ ok: false, failure: 'partial', message: expect.stringContaining('Job Failed'), fix: expect.stringContaining('--since 2026-11-03 --until 2026-11-05') });
    expect(Object.fromEntries(await spendByDay(w.warehouse, 'meta'))).toEqual({ '7|2026-11-05': 9_000_000n });
  });

  it('hostile account ids are refused before any call; the stand-in refuses unknown runs and bad ranges', async () => {
    const outs = await pull({ accounts: ['act_123/../me', 'act_', '../act_1', 'act_1?fields=x', 'act_1%2F'] });
    expect(outs.map((o) => o.ok ? 'ok' : o.failure)).toEqual(['refused', 'refused', 'refused', 'refused', 'refused']);
    expect(api.requests).toHaveLength(0);
    const get = (path: string) => fetch(`${api.url}${path}`, { headers: { authorization: 'Bearer test-token' } }).then(async (r) => ({ status: r.status, text: await r.text() }));
    expect(await get('/v25.0/999999')).toMatchObject({ status: 400, text: expect.stringContaining('"code":100') });
    expect(await get('/v25.0/1122334455/insights')).toMatchObject({ status: 400, text: expect.stringContaining('does not exist') });
    const post = (range: string, fields = 'campaign_id,spend') => fetch(`${api.url}/v25.0/act_${ACT}/insights`, { method: 'POST', headers: { authorization: 'Bearer test-token', 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ level: 'campaign', time_increment: '1', time_range: range, fields }).toString() }).then(async (r) => ({ status: r.status, text: await r.text() }));
    expect(await post('{"since":"2026-11-05","until":"2026-11-01"}')).toMatchObject({ status: 400, text: expect.stringContaining('Invalid time range') });
    expect(await post('{"since":"2026-11-01","until":"2026-11-02"}', 'campaign_id,cost')).toMatchObject({ status: 400, text: expect.stringContaining('fields[1]') });
  });

  it('reads the longest wait of the usage header, and nothing from a header it cannot read', () => {
    expect(regainAccessMs(JSON.stringify({ a: [{ estimated_time_to_regain_access: 2 }, { estimated_time_to_regain_access: 9 }] }))).toBe(9 * 60_000);
    expect(regainAccessMs('not json')).toBeUndefined();
    expect(regainAccessMs(JSON.stringify({ a: [{ estimated_time_to_regain_access: 0 }] }))).toBeUndefined();
    expect(metaInsightsSource.accountKey?.('1122334455')).toBe('act_1122334455');
  });
});
