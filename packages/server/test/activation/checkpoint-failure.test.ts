import type { FetchLike } from '@touchline/destinations';
import { startHubspotStandIn, type HubspotStandIn } from '@touchline/destinations/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../src/warehouse/warehouse.js';
import { activationConfig, duckWarehouse, FAST_RETRY, manualClock, testEngine, type TestWarehouse } from './support.js';

const ROWS = 250;

/** The real warehouse with some methods replaced (failures injected where a disk or network would fail). */
function overriding(warehouse: Warehouse, over: Partial<Pick<Warehouse, 'transaction' | 'query'>>): Warehouse {
  return new Proxy(warehouse, {
    get(target, key) {
      if (key in over) return over[key as keyof typeof over];
      const v = Reflect.get(target, key) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** Checkpoints (DuckDB: one transaction each) fail while `fail()` says so, as a full disk would make them. */
const failingCheckpoints = (warehouse: Warehouse, fail: () => boolean): Warehouse =>
  overriding(warehouse, {
    transaction: (work) => (fail() ? Promise.reject(new Error('disk full (injected)')) : warehouse.transaction(work)),
  });

describe('a checkpoint that cannot be written fails the run, and the next run sends what it lost', () => {
  let w: TestWarehouse;
  let hubspot: HubspotStandIn;
  beforeEach(async () => {
    w = await duckWarehouse();
    hubspot = await startHubspotStandIn();
    await w.exec(`CREATE TABLE usage AS SELECT 'user' || i || '@example.com' AS email, i % 7 AS uses FROM range(${ROWS}) r(i)`);
  });
  afterEach(async () => {
    await hubspot.close();
    await w.dispose();
  });
  const config = activationConfig({
    destinations: { hs: { type: 'hubspot', config: { endpoint: 'http://127.0.0.1:1', accessToken: 'test-token', properties: { uses: 'feature_x_uses' } } } },
    syncs: { usage: { destination: 'hs', source: { sql: 'SELECT email, uses FROM usage' }, primaryKey: 'email', mode: 'upsert', retry: FAST_RETRY, concurrency: 1 } },
  });
  const withEndpoint = () => ({ ...config, destinations: { hs: { ...config.destinations['hs']!, config: { ...(config.destinations['hs']!.config as object), endpoint: hubspot.url } } } });
  const receipts = () => Array.from({ length: ROWS }, (_, i) => hubspot.received(`user${i}@example.com`));

  it('while a request is out, the run beats on the engine clock (a checkpoint of no rows every 2 s), and stops once it ended', async () => {
    const clock = manualClock(Date.parse('2026-12-07T12:00:00.000Z'));
    let out: () => void = () => undefined;
    let release: () => void = () => undefined;
    const sent = new Promise<void>((r) => (out = r));
    const held = new Promise<void>((r) => (release = r));
    // The first request waits for the test: the run is mid-send while the clock moves.
    const fetch: FetchLike = async (url, init) => {
      out();
      await held;
      return globalThis.fetch(url, init);
    };
    const engine = testEngine(withEndpoint(), w.warehouse, { clock, fetch });
    const running = engine.run('usage');
    await sent;
    const beat = async () => (await engine.history('usage', 1))[0]?.heartbeatAt;
    expect(await beat()).toBe('2026-12-07T12:00:00.000Z');
    // The one timer of the run mid-send is its heartbeat, on the engine's clock.
    expect(clock.timers()).toBe(1);
    clock.advance(2000);
    // The heartbeat's write goes on after advance returns: wait for it to land.
    for (let i = 0; i < 500 && (await beat()) === '2026-12-07T12:00:00.000Z'; i++) await new Promise((r) => setImmediate(r));
    expect(await beat()).toBe('2026-12-07T12:00:02.000Z');
    release();
    expect(await running).toMatchObject({ status: 'succeeded', delivered: ROWS, heartbeatAt: '2026-12-07T12:00:02.000Z' });
    // No heartbeat (nor any other timer of the run) is left on the clock.
    expect(clock.timers()).toBe(0);
    await engine.close();
  });

  it('the last checkpoint (counters, after every row was recorded) fails: the run is failed, not succeeded', async () => {
    let armed = false;
    const engine = testEngine(withEndpoint(), failingCheckpoints(w.warehouse, () => armed));
    const run = await engine.run('usage', { onProgress: (p) => void (p.done === ROWS && (armed = true)) });
    expect(run).toMatchObject({ status: 'failed', delivered: ROWS });
    expect(run.error).toBe(
      `could not write the run's last checkpoint: disk full (injected); rows acknowledged since the previous checkpoint are sent again on the next run, with the same dedup keys`,
    );
    // What `touchline sync history` shows is the saved record.
    const [saved] = await engine.history('usage', 1);
    expect(saved).toMatchObject({ runId: run.runId, status: 'failed', error: run.error });
    await engine.close();

    const next = testEngine(withEndpoint(), w.warehouse);
    expect(await next.run('usage')).toMatchObject({ status: 'succeeded', plannedAdd: 0, delivered: 0 });
    expect(new Set(receipts())).toEqual(new Set([1]));
    await next.close();
  });

  it('a checkpoint carrying acknowledged rows fails mid-run: the run stops, and the next run resends exactly those rows once', async () => {
    let armed = false;
    let failures = 0;
    const fail = () => armed && failures++ === 0;
    const engine = testEngine(withEndpoint(), failingCheckpoints(w.warehouse, fail));
    const run = await engine.run('usage', { onProgress: (p) => void (p.done >= 100 && (armed = true)) });
    expect(run).toMatchObject({ status: 'failed', delivered: 100 });
    expect(run.error).toBe('could not record results: disk full (injected)');
    expect(await w.rows(`SELECT count(*) AS n FROM sync_state`)).toEqual([{ n: 100 }]);
    expect(hubspot.requests).toHaveLength(2);
    await engine.close();

    const next = testEngine(withEndpoint(), w.warehouse);
    expect(await next.run('usage')).toMatchObject({ status: 'succeeded', plannedAdd: ROWS - 100, delivered: ROWS - 100 });
    const r = receipts();
    // The batch whose checkpoint was lost went again, with the same key: HubSpot holds one contact each.
    expect(r.filter((n) => n === 2)).toHaveLength(100);
    expect(r.filter((n) => n === 1)).toHaveLength(ROWS - 100);
    for (let i = 0; i < ROWS; i++) expect(hubspot.count(`user${i}@example.com`)).toBe(1);
    await next.close();
  });

  it('a staging table that cannot be dropped is logged and noted in the run, which stands', async () => {
    const refuseDrops: Warehouse['query'] = (sql, options) =>
      /^DROP TABLE IF EXISTS "_tl_stage_/.test(sql) ? Promise.reject(new Error('drop refused (injected)')) : w.warehouse.query(sql, options);
    const logged: unknown[] = [];
    const logger = { debug: () => undefined, info: () => undefined, error: () => undefined, warn: (m: string, f?: Record<string, unknown>) => void logged.push([m, f]) };
    const engine = testEngine(withEndpoint(), overriding(w.warehouse, { query: refuseDrops }), { logger });
    const run = await engine.run('usage');
    const stage = `_tl_stage_${run.runId}`;
    expect(run).toMatchObject({ status: 'succeeded', delivered: ROWS, details: { cleanup: [`${stage}: drop refused (injected)`] } });
    expect(logged).toEqual([['sync run: staging tables not dropped', { sync: 'usage', run: run.runId, failures: [`${stage}: drop refused (injected)`] }]]);
    const [saved] = await engine.history('usage', 1);
    expect(saved!.details).toMatchObject({ cleanup: [`${stage}: drop refused (injected)`] });
    expect(await w.rows(`SELECT table_name FROM information_schema.tables WHERE starts_with(table_name, '_tl_')`)).toEqual([{ table_name: stage }]);
    await engine.close();
  });
});
