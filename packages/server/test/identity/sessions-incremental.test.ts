import { seededRandom } from '@touchline/attribution';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAttribution } from '../../src/attribute/run-attribution.js';
import { resolveConfig, type Config } from '../../src/config/config.js';
import { createDerivedModel, type DerivedModel } from '../../src/identity/derived-model.js';
import { openDuckDBWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';
import { eventLine, fromSegments, writeSegment } from '../support/rows.js';
import { journeys } from '../attribution/journeys.js';

/**
 * DuckDB keeps sessions in a table, refreshed per loaded batch for the batch's devices only. What
 * it holds must always equal a rebuild from scratch, whatever order the events arrive in.
 */
describe('duckdb: sessions kept up to date batch by batch', () => {
  let dir: string;
  let w: Warehouse;
  let model: DerivedModel;
  let config: Config;
  let seq = 0;
  const snapshot = async () => (await w.query(`SELECT * FROM touch_sessions ORDER BY device_id, started_ms`)).rows;
  const load = async (events: Record<string, unknown>[], refresh = true) => {
    seq++;
    const file = await writeSegment(join(dir, 'spool'), seq, events.map((e) => eventLine(e)));
    const batch = { collectorId: 'c', ...fromSegments([file]), lastSeq: seq, dedupWindowMs: 24 * 3600_000 };
    const r = await w.load(batch);
    if (refresh) await model.afterLoad(batch, r.events);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'touchline-incremental-'));
    w = await openDuckDBWarehouse({ path: join(dir, 'w.duckdb') });
    await w.migrate();
    config = resolveConfig({ dataDir: dir, tracker: { siteDomains: ['shop.test'] } }, {}, {});
    model = createDerivedModel(w, config);
    await model.ensure();
  });
  afterAll(async () => {
    await w.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('equals a rebuild after batches that arrive out of order', async () => {
    const events = journeys(80, 5);
    const random = seededRandom(3);
    const shuffled = events.map((e) => [random(), e] as const).sort((a, b) => a[0] - b[0]).map(([, e]) => e);
    for (let i = 0; i < shuffled.length; i += 150) await load(shuffled.slice(i, i + 150));
    const incremental = await snapshot();
    expect(incremental.length).toBeGreaterThan(100);
    expect(await model.sessionsFresh()).toBe(true);
    await model.rebuildSessions();
    expect(await snapshot()).toEqual(incremental);
  });

  it('answers the same from the stored sessions and from sessions computed on read', async () => {
    const req = { models: ['first_touch', 'linear', 'markov'] as const, level: 'source_medium' };
    const stored = await runAttribution(w, config, { ...req, models: [...req.models] }, { sessionsOnRead: false });
    const onRead = await runAttribution(w, config, { ...req, models: [...req.models] }, { sessionsOnRead: true });
    expect(stored.sessions).toBe('stored');
    expect(onRead.sessions).toBe('on-read');
    // Equal up to the order of floating-point additions.
    const round = (v: unknown) => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' ? Math.round(x * 1e6) / 1e6 : x)));
    expect(round(onRead.models)).toEqual(round(stored.models));
  });

  it('notices a batch whose refresh was missed, and rebuilds', async () => {
    await load(journeys(5, 99), false);
    expect(await model.sessionsFresh()).toBe(false);
    const stale = await runAttribution(w, config, { models: ['linear'] }, { sessionsFresh: () => model.sessionsFresh() });
    expect(stale.sessions).toBe('on-read');
    expect(stale.notes.join(' ')).toMatch(/stale/);
    await load(journeys(3, 98));
    expect(await model.sessionsFresh()).toBe(true);
    const now = await snapshot();
    await model.rebuildSessions();
    expect(await snapshot()).toEqual(now);
  });

  it('rebuilds once when the session rules change', async () => {
    const before = (await w.query(`SELECT count(*) FROM touch_sessions`)).rows[0]?.[0] as number;
    const shorter = resolveConfig({ dataDir: dir, tracker: { siteDomains: ['shop.test'] }, attribution: { sessions: { timeoutMinutes: 3 } } }, {}, {});
    const m2 = createDerivedModel(w, shorter);
    expect(await m2.ensure()).toEqual({ sessionsRebuilt: true });
    expect(await m2.ensure()).toEqual({ sessionsRebuilt: false });
    expect((await w.query(`SELECT count(*) FROM touch_sessions`)).rows[0]?.[0] as number).toBeGreaterThan(before);
  });
});
