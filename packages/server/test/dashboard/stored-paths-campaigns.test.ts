import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathStatements, storedStatement } from '../../src/attribute/path-statements.js';
import { PathRows } from '../../src/attribute/paths-sql.js';
import { markStaleOnCampaignChange } from '../../src/attribute/stored-paths-campaigns.js';
import { createStoredPaths, type StoredPaths } from '../../src/attribute/stored-paths.js';
import { scheduleStoredPathsRefresh } from '../../src/attribute/stored-paths-refresh.js';
import { resolveConfig, type ConfigInput } from '../../src/config/config.js';
import { writeCampaigns, type CampaignMeta } from '../../src/spend/campaigns.js';
import { startHarness, type Harness } from '../support/harness.js';
import { manualClock } from '../support/manual-clock.js';

const CONFIG: ConfigInput = { attribution: { conversions: [{ name: 'Purchase', events: ['Order Completed'] }] } };
const T0 = Date.parse('2026-09-01T10:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const campaign = (over: Partial<CampaignMeta>): CampaignMeta => ({
  network: 'google_ads', account: '123', campaignId: '111', campaignName: 'Brand', status: 'ENABLED', objective: null, channelType: 'SEARCH', adNetworkType: 'SEARCH', ...over,
});

describe('stored paths follow the Google Ads campaign metadata their channels are read with (DuckDB)', () => {
  let h: Harness;
  let stored: StoredPaths;
  beforeAll(async () => {
    h = await startHarness(CONFIG);
    stored = createStoredPaths(h.warehouse);
    const batch = [
      // An auto-tagged Google Ads click carrying its campaign id, then a purchase; and a newsletter buyer.
      { type: 'page', anonymousId: 'g1', timestamp: at(0), context: { page: { url: 'https://shop.test/?gclid=abc&utm_id=111' } } },
      { type: 'track', event: 'Order Completed', anonymousId: 'g1', properties: { revenue: 40 }, timestamp: at(5) },
      { type: 'page', anonymousId: 'n1', timestamp: at(1), context: { page: { url: 'https://shop.test/?utm_source=newsletter&utm_medium=email&utm_campaign=nov' } } },
      { type: 'track', event: 'Order Completed', anonymousId: 'n1', properties: { revenue: 10 }, timestamp: at(6) },
    ];
    const res = await h.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: h.auth }, payload: { batch } });
    expect(res.statusCode).toBe(200);
    await h.loader.flush();
  });
  afterAll(async () => h?.dispose());

  /** The channel-level statement, its stored rows (and where they came from), and the same statement run whole now. */
  async function storedAndWhole() {
    const config = resolveConfig({ dataDir: h.dataDir, ...CONFIG } as Record<string, unknown>, {}, {});
    const p = await pathStatements(h.warehouse, config, { models: ['last_touch'], level: 'channel' }, { sessionsFresh: () => h.derived.sessionsFresh() });
    const { statement, params } = storedStatement(p.statementOf, PathRows.Aggregated);
    const read = await stored.rows(statement, params);
    const got: unknown[][] = [];
    for await (const chunk of read.rows) for (const r of chunk) got.push(Object.values(r));
    return { from: read.source.from, got, whole: (await h.warehouse.query(statement.sql, { params })).rows };
  }
  const channels = (rows: readonly (readonly unknown[])[]) => rows.flatMap((r) => (Array.isArray(r[1]) ? r[1] : [])).map(String).sort();

  it('a renamed campaign leaves the stored rows current; a new network type marks them stale and the next tick recomputes them', async () => {
    await writeCampaigns(h.warehouse, [campaign({})], T0);
    const clock = manualClock(T0);
    const refresh = scheduleStoredPathsRefresh({ paths: stored, clock, log: () => undefined, markStale: () => markStaleOnCampaignChange(h.warehouse), idleMs: 60_000 });
    const first = await storedAndWhole();
    expect(first.got).toEqual(first.whole);
    expect(channels(first.got)).toEqual(['Email', 'Paid Search']);
    await refresh.tick();
    // An idle pass: the timers the clock fires share one early-returning tick; the next tick is the pass.
    const idlePass = async () => {
      clock.advance(61_000);
      await refresh.tick();
      await refresh.tick();
    };

    // Only the name: no stored row reads it (the campaign level is the UTM campaign).
    await writeCampaigns(h.warehouse, [campaign({ campaignName: 'Brand (renamed)' })], T0 + 1000);
    expect(await markStaleOnCampaignChange(h.warehouse)).toBe(0);
    await idlePass();
    const renamed = await storedAndWhole();
    expect(renamed.from).toBe('stored');
    expect(renamed.got).toEqual(renamed.whole);

    // The network type: the click is Paid Video now, with no event changed.
    await writeCampaigns(h.warehouse, [campaign({ channelType: 'VIDEO', adNetworkType: 'YOUTUBE' })], T0 + 2000);
    await idlePass();
    // Recomputed by the pass (its mark is the events' again), not by the view below.
    const state = await h.warehouse.query(`SELECT events FROM attribution_stored_paths_state`);
    expect(state.rows.map((r) => Number(r[0]))).toEqual([Number((await h.warehouse.query('SELECT count(*) FROM events')).rows[0]?.[0])]);
    const relabelled = await storedAndWhole();
    expect(relabelled.from).toBe('stored');
    expect(channels(relabelled.whole)).toEqual(['Email', 'Paid Video']);
    expect(relabelled.got).toEqual(relabelled.whole);
    await refresh.stop();
  });
});
