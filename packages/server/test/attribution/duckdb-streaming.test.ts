/**
 * The DuckDB path query streams its rows. DuckDB's streaming result can wait forever when several
 * pipelines feed it and its buffer fills before they finish (duckdb/duckdb#22215). With the
 * default buffer (about 1 MB) the bench's 10 million events hung; with a 1 KB buffer, a million do
 * (600 000 did not, on the 2-core dev machine), so this test runs a million with a 1 KB buffer.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDuckDBData } from '../../bench/support/attribution-data.js';
import { runAttribution } from '../../src/attribution/run-attribution.js';
import { resolveConfig, type Config } from '../../src/config/config.js';
import { createDerivedModel } from '../../src/identity/derived-model.js';
import { openDuckDBWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';

describe('attribution on DuckDB with a small streaming buffer', () => {
  let dir: string;
  let w: Warehouse;
  let config: Config;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'touchline-attr-stream-'));
    w = await openDuckDBWarehouse({ path: join(dir, 'w.duckdb'), settings: { streaming_buffer_size: '1KB' } });
    await w.migrate();
    await generateDuckDBData(w, 1_000_000);
    config = resolveConfig({ dataDir: dir, tracker: { siteDomains: ['shop.test'] } }, {}, {});
    const model = createDerivedModel(w, config);
    await model.ensure();
    await model.rebuildSessions();
  }, 120_000);
  afterAll(async () => {
    await w?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('returns, with every conversion credited, from stored sessions and sessions on read', async () => {
    const conversions = Number((await w.query(`SELECT count(*) FROM events WHERE event = 'Order Completed'`)).rows[0]![0]);
    expect(conversions).toBeGreaterThan(1000);
    for (const sessionsOnRead of [false, true]) {
      const r = await runAttribution(w, config, { models: ['first_touch', 'time_decay', 'markov'], level: 'channel', lookbackDays: 3650 }, { sessionsOnRead });
      for (const m of r.models) {
        const credited = Object.values(m.credits).reduce((s, c) => s + c.conversions, 0);
        expect(credited).toBeCloseTo(conversions, 6);
      }
    }
  }, 60_000);
});
