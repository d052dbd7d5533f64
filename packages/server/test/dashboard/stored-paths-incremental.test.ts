import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prebuildPaths, pathStatements, storedStatement } from '../../src/attribute/path-statements.js';
import { PathRows } from '../../src/attribute/paths-sql.js';
import type { AttributeRequest } from '../../src/attribute/run-attribution.js';
import { pathsKey, createStoredPaths, type PathsSource, type StoredPaths } from '../../src/attribute/stored-paths.js';
import { scheduleStoredPathsRefresh } from '../../src/attribute/stored-paths-refresh.js';
import { resolveConfig, type ConfigInput } from '../../src/config/config.js';
import { startHarness, type Harness } from '../support/harness.js';
import { manualClock } from '../support/manual-clock.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-09-01T00:00:00.000Z');
const at = (days: number, minutes = 0) => new Date(T0 + days * DAY + minutes * 60_000).toISOString();
const url = (s: string, m: string, c: string) => `https://shop.test/?utm_source=${s}&utm_medium=${m}&utm_campaign=${c}`;
const CONFIG: ConfigInput = { attribution: { conversions: [{ name: 'Purchase', events: ['Order Completed'] }, { name: 'Lead', events: ['Lead Created'] }] } };
const CAMPAIGNS = [['google', 'cpc', 'brand'], ['newsletter', 'email', 'nov'], ['facebook', 'paid_social', 'retarget'], ['bing', 'cpc', 'generic']] as const;

const page = (anon: string, day: number, i: number, minutes = 0) => {
  const [s, m, c] = CAMPAIGNS[i % CAMPAIGNS.length]!;
  return { type: 'page', anonymousId: anon, timestamp: at(day, minutes), context: { page: { url: url(s, m, c) } } };
};
// Revenue with fractions, so a sum taken in another order would show in the last bits.
const order = (anon: string, day: number, revenue: number, minutes = 5) => ({ type: 'track', event: 'Order Completed', anonymousId: anon, properties: { revenue }, timestamp: at(day, minutes) });

/** People over a month on several channels; every third buys twice. */
function people(prefix: string, offset: number): unknown[] {
  const e: unknown[] = [];
  for (let i = 0; i < 10; i++) {
    const anon = `${prefix}-a${i}`;
    const d = offset + (i % 5) * 3;
    e.push(page(anon, d, i), page(anon, d + 1, i + 1), order(anon, d + 1, 10.1 + i * 0.7));
    if (i % 3 === 0) e.push(page(anon, d + 4, i + 2), order(anon, d + 4, 3.3));
    if (i % 4 === 1) e.push({ type: 'track', event: 'Lead Created', anonymousId: anon, timestamp: at(d + 2) });
  }
  return e;
}

/** The stored combinations: every model by channel (time decay's packed rows too), campaign without the reset, a short lookback. */
const REQUESTS: AttributeRequest[] = [
  { models: ['last_touch', 'time_decay'], level: 'channel' },
  { models: ['last_touch'], level: 'campaign', resetAfterConversion: false },
  { models: ['linear', 'time_decay'], level: 'source_medium', lookbackDays: 2 },
];

describe('stored paths brought up to date after each load equal a whole recomputation, to the last bit (DuckDB)', () => {
  let h: Harness;
  let stored: StoredPaths;
  const config = () => resolveConfig({ dataDir: h.dataDir, ...CONFIG } as Record<string, unknown>, {}, {});
  beforeAll(async () => {
    h = await startHarness(CONFIG);
    stored = createStoredPaths(h.warehouse);
  });
  afterAll(async () => h?.dispose());

  async function send(batch: unknown[]) {
    const res = await h.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: h.auth }, payload: { batch } });
    expect(res.statusCode).toBe(200);
    await h.loader.flush();
  }
  async function statementOf(req: AttributeRequest) {
    const p = await pathStatements(h.warehouse, config(), req, { sessionsFresh: () => h.derived.sessionsFresh() });
    expect(p.onRead).toBe(false);
    return storedStatement(p.statementOf, req.models.includes('time_decay') ? PathRows.Both : PathRows.Aggregated);
  }
  const rowsOf = async (sql: string, params: Record<string, unknown> = {}) => (await h.warehouse.query(sql, { params: params as never })).rows;

  /** Every request's stored rows and journeys against the statements run whole now; returns where each view's paths came from. */
  async function expectWhole(): Promise<PathsSource['from'][]> {
    const sources: PathsSource['from'][] = [];
    for (const req of REQUESTS) {
      const { statement, params } = await statementOf(req);
      const read = await stored.rows(statement, params);
      sources.push(read.source.from);
      const got: unknown[][] = [];
      for await (const chunk of read.rows) for (const r of chunk) got.push(Object.values(r));
      const whole = await rowsOf(statement.sql, params);
      expect(whole.length, JSON.stringify(req)).toBeGreaterThan(2);
      expect(got, JSON.stringify(req)).toEqual(whole);
      const key = pathsKey(statement.sql, params);
      const journeys = await rowsOf(`SELECT person, conv, t, n, mid, value, touches FROM attribution_stored_journeys WHERE key = $k ORDER BY ALL`, { k: key });
      expect(journeys, JSON.stringify(req)).toEqual(await rowsOf(`SELECT * FROM (${statement.journeys}) ORDER BY ALL`, params));
    }
    return sources;
  }

  it('after loads of new people, late touches inside a lookback, new conversions and identity merges', async () => {
    await send(people('p', 0));
    expect(await expectWhole()).toEqual(['computed', 'computed', 'computed']);
    await send(people('q', 8));
    expect(await expectWhole()).toEqual(['updated', 'updated', 'updated']);
    // Late events of existing people: a touch inside an earlier conversion's lookback, a second order.
    await send([page('p-a2', 6, 3, -30), page('p-a4', 12, 1), order('p-a4', 13, 7.7), page('q-a7', 14, 2, 1)]);
    const late = await stored.rows((await statementOf(REQUESTS[0]!)).statement, (await statementOf(REQUESTS[0]!)).params);
    expect(late.source).toMatchObject({ from: 'updated', persons: 3 });
    expect(await expectWhole()).toEqual(['stored', 'updated', 'updated']);
    // Identity: two devices of one buyer joined by a user id (a merge), then a phone of another person.
    await send([
      { type: 'identify', anonymousId: 'p-a1', userId: 'user-1', timestamp: at(4, 2) },
      { type: 'identify', anonymousId: 'q-a1', userId: 'user-1', timestamp: at(12, 2) },
      { type: 'identify', anonymousId: 'p-a5', userId: 'user-5', timestamp: at(1, 1) },
    ]);
    expect(await expectWhole()).toEqual(['updated', 'updated', 'updated']);
    await send([page('p-a5-phone', 3, 2), { type: 'identify', anonymousId: 'p-a5-phone', userId: 'user-5', timestamp: at(3, 1) }, order('p-a5-phone', 3, 41.9, 2)]);
    expect(await expectWhole()).toEqual(['updated', 'updated', 'updated']);
    // An anonymous event of a merged device: its person is the user id, named on no new event.
    await send([page('q-a1', 14, 3), order('q-a1', 14, 2.2, 9)]);
    expect(await expectWhole()).toEqual(['updated', 'updated', 'updated']);
  }, 180_000);

  it('after a privacy deletion (recomputed whole), a sessions rebuild (cleared, as at start) and loads after them', async () => {
    await h.warehouse.query(`DELETE FROM events WHERE anonymous_id = 'q-a3'`, { readOnly: false });
    await h.derived.refreshAliases(true);
    await h.derived.rebuildSessions();
    expect(await expectWhole()).toEqual(['computed', 'computed', 'computed']);
    const none = await rowsOf(`SELECT count(*) FROM attribution_stored_journeys WHERE list_contains(list_transform(touches, x -> x.d), 'q-a3')`);
    expect(Number(none[0]?.[0])).toBe(0);
    await h.derived.rebuildSessions();
    await stored.clear();
    await send(people('r', 3));
    expect(await expectWhole()).toEqual(['computed', 'computed', 'computed']);
    await send([page('r-a0', 2, 1), order('r-a0', 2, 5.5, 30)]);
    expect(await expectWhole()).toEqual(['updated', 'updated', 'updated']);
  }, 180_000);

  it('drops a key stored by an earlier version (its statement raw SQL) instead of failing every refresh on it', async () => {
    await h.warehouse.query(`INSERT INTO attribution_stored_paths_state VALUES ('old-key', 3, 1, now(), now(), 'SELECT 1', '[]')`, { readOnly: false });
    await h.warehouse.query(`INSERT INTO attribution_stored_paths (key, kind) VALUES ('old-key', 'p')`, { readOnly: false });
    await stored.refreshStale();
    expect(await rowsOf(`SELECT key FROM attribution_stored_paths_state WHERE key = 'old-key' UNION ALL SELECT key FROM attribution_stored_paths WHERE key = 'old-key'`)).toEqual([]);
  });

  it('a load raises a flag only; ticks on the clock refresh one key each, then prebuild the default filters', async () => {
    const clock = manualClock();
    const req: AttributeRequest = { models: ['first_touch', 'time_decay'], level: 'channel' };
    const prebuild = () => prebuildPaths(h.warehouse, config(), req, stored, { sessionsFresh: () => h.derived.sessionsFresh() });
    const refresh = scheduleStoredPathsRefresh({ paths: stored, clock, log: () => undefined, prebuild, tickMs: 1000, idleMs: 60_000 });
    const states = async () => rowsOf(`SELECT key, CAST(watermark AS VARCHAR) FROM attribution_stored_paths_state ORDER BY key`);
    await refresh.tick();
    await refresh.tick();
    await refresh.tick();
    await send(people('s', 5));
    refresh.afterLoad();
    const before = await states();
    const mark = String((await rowsOf(`SELECT CAST(max(received_at) AS VARCHAR) FROM events`))[0]?.[0]);
    expect(before.filter(([, w]) => w === mark)).toHaveLength(0);
    for (let i = 1; i <= REQUESTS.length; i++) {
      await refresh.tick();
      expect((await states()).filter(([, w]) => w === mark), `tick ${i}`).toHaveLength(i);
    }
    const d = await statementOf(req);
    const defaultKey = pathsKey(d.statement.sql, d.params);
    await refresh.tick();
    expect((await states()).find(([k]) => k === defaultKey)?.[1]).toBe(mark);
    expect((await stored.rows(d.statement, d.params)).source.from).toBe('stored');
    await refresh.stop();
    expect(clock.timers()).toBe(0);
  });
});
