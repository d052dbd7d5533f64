import type { AttributionResult } from '@touchline/attribution';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAttribution, type AttributeRequest } from '../../src/attribute/run-attribution.js';
import { resolveConfig, type Config } from '../../src/config/config.js';
import { createDerivedModel, type DerivedModel } from '../../src/identity/derived-model.js';
import { openClickHouseWarehouse } from '../../src/warehouse/clickhouse/clickhouse-warehouse.js';
import { openDuckDBWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';
import { clickhouseSkipReason, startClickHouseServer, type ClickHouseTestServer } from '../support/clickhouse-server.js';
import { eventLine, fromSegments, writeSegment } from '../support/rows.js';
import { journeys } from './journeys.js';

/**
 * The same events in DuckDB and in a real ClickHouse server: `touchline attribute` must give the
 * same answer on both, for every model, level and option (floating-point sums may differ in the
 * last bits with the order of addition).
 */
describe.skipIf(clickhouseSkipReason() !== null)('the same attribution on DuckDB and ClickHouse', () => {
  let dir: string;
  let server: ClickHouseTestServer;
  const engines: { name: string; w: Warehouse; model: DerivedModel }[] = [];
  let config: Config;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'touchline-same-'));
    server = await startClickHouseServer();
    config = resolveConfig({ dataDir: dir, tracker: { siteDomains: ['shop.test'] } }, {}, {});
    const duck = await openDuckDBWarehouse({ path: join(dir, 'w.duckdb') });
    const ch = await openClickHouseWarehouse({ url: server.url, database: 'touchline_same' });
    const lines = journeys(160).map((e) => eventLine(e));
    const file = await writeSegment(join(dir, 'spool'), 1, lines);
    const batch = { collectorId: 'c', ...fromSegments([file]), lastSeq: 1, dedupWindowMs: 24 * 3600_000 };
    for (const [name, w] of [['duckdb', duck], ['clickhouse', ch]] as const) {
      await w.migrate();
      const model = createDerivedModel(w, config);
      await model.ensure();
      const r = await w.load(batch);
      await model.afterLoad(batch, r.events);
      engines.push({ name, w, model });
    }
  });
  afterAll(async () => {
    for (const e of engines) await e.w.close();
    await server?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  const run = (req: AttributeRequest) =>
    Promise.all(engines.map((e) => runAttribution(e.w, config, req, { sessionsFresh: () => e.model.sessionsFresh() })));

  function expectSame(a: AttributionResult, b: AttributionResult): void {
    expect(b.models.map((m) => m.model)).toEqual(a.models.map((m) => m.model));
    a.models.forEach((m, i) => {
      const other = b.models[i]!;
      expect(Object.keys(other.credits).sort()).toEqual(Object.keys(m.credits).sort());
      for (const [k, c] of Object.entries(m.credits)) {
        expect(other.credits[k]!.conversions, `${m.model} ${k} conversions`).toBeCloseTo(c.conversions, 9);
        expect(other.credits[k]!.value, `${m.model} ${k} value`).toBeCloseTo(c.value, 6);
      }
    });
    expect(b.totals.paths).toBe(a.totals.paths);
    expect(b.totals.conversions).toBe(a.totals.conversions);
    expect(b.totals.nulls).toBe(a.totals.nulls);
    expect(b.totals.value).toBeCloseTo(a.totals.value, 6);
    const paths = (r: AttributionResult) => r.top_paths!.paths.map((p) => `${p.path.join('>')}:${p.conversions}:${p.nulls}`).sort();
    expect(paths(b)).toEqual(paths(a));
    expect(b.time_to_convert!.by_day).toEqual(a.time_to_convert!.by_day);
    expect(b.touches_to_convert!.by_touches).toEqual(a.touches_to_convert!.by_touches);
  }

  it('loads the same journeys', async () => {
    const counts = await Promise.all(engines.map(async (e) => (await e.w.query('SELECT count(*) FROM events')).rows[0]?.[0]));
    expect(counts[1]).toBe(counts[0]);
    const sessions = await Promise.all(
      engines.map(async (e) => (await e.w.query(`SELECT message_id, person_id, channel, events, ended_at FROM sessions ORDER BY message_id`)).rows),
    );
    expect(sessions[0]!.length).toBeGreaterThan(300);
    expect(sessions[1]).toEqual(sessions[0]);
    const persons = await Promise.all(engines.map(async (e) => (await e.w.query(`SELECT person_id, user_ids, anonymous_ids, first_touch_channel, last_non_direct_touch_at FROM persons ORDER BY person_id`)).rows));
    expect(persons[1]).toEqual(persons[0]);
    const warnings = await Promise.all(engines.map(async (e) => (await e.w.query(`SELECT warning, id, detail, count FROM identity_warnings ORDER BY warning, id, detail`)).rows));
    expect(warnings[1]).toEqual(warnings[0]);
  });

  it('gives every model the same credit by channel', async () => {
    const [a, b] = await run({
      models: ['first_touch', 'last_touch', 'last_non_direct', 'linear', 'time_decay', 'position_based', 'w_shaped', 'full_path', 'markov', 'shapley', 'ordered_shapley'],
    });
    expect(a!.totals.conversions).toBeGreaterThan(50);
    expectSame(a!, b!);
  });

  it('and by source / medium without the reset, by campaign with a second-order chain, in a date range', async () => {
    const [a, b] = await run({ models: ['linear', 'time_decay', 'markov'], level: 'source_medium', resetAfterConversion: false, lookbackDays: 30 });
    expectSame(a!, b!);
    const [c, d] = await run({
      models: [{ model: 'markov', order: 2, name: 'markov_2' }, 'shapley', 'position_based'],
      level: 'campaign',
      since: '2026-02-01T00:00:00.000Z',
      until: '2026-04-01T00:00:00.000Z',
      params: { positionWeights: { first: 0.3, last: 0.3 }, shapley: { characteristic: 'exact' } },
    });
    expectSame(c!, d!);
    const [e, f] = await run({ models: ['last_touch', 'linear'], level: 'utm_medium', conversions: ['Order Completed'] });
    expectSame(e!, f!);
  });
});
