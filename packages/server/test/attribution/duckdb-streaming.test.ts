/**
 * The DuckDB path query streams its rows. DuckDB's streaming result can wait forever when several
 * pipelines feed it and its buffer fills before they finish (duckdb/duckdb#22215). With the
 * default buffer (about 1 MB) the bench's 10 million events hung; with a 1 KB buffer, a million do
 * (600 000 did not, on the 2-core dev machine), so this test streams a million with a 1 KB buffer.
 *
 * The warehouse locks DuckDB's configuration when it opens (nothing can be SET afterwards, and
 * `streaming_buffer_size` exists per connection only), so the small buffer is set on a connection
 * of a plain DuckDB instance over the same file once the warehouse has closed, and attribution
 * streams through that connection.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { ModelSpec } from '@touchline/attribution';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDuckDBData } from '../../bench/support/attribution-data.js';
import { runAttribution } from '../../src/attribute/run-attribution.js';
import { resolveConfig, type Config } from '../../src/config/config.js';
import { createDerivedModel } from '../../src/identity/derived-model.js';
import { openDuckDBWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';
import { DUCKDB_DIALECT } from '../../src/warehouse/dialect/duckdb-dialect.js';
import { prepareBound } from '../../src/warehouse/duckdb/duckdb-statements.js';

/** What `runAttribution` reads of a warehouse, over a raw DuckDB connection. */
function overConnection(conn: DuckDBConnection): Warehouse {
  const w: Pick<Warehouse, 'engine' | 'dialect' | 'query' | 'stream'> = {
    engine: 'duckdb',
    dialect: DUCKDB_DIALECT,
    async query(sql, options) {
      const r = options?.params ? await (await prepareBound(conn, sql, options.params)).runAndReadAll() : await conn.runAndReadAll(sql);
      return { columns: r.columnNames(), rows: r.getRowsJS() };
    },
    async *stream(sql, options) {
      const result = options?.params ? await (await prepareBound(conn, sql, options.params)).stream() : await conn.stream(sql);
      for await (const chunk of result.yieldRowObjectJs()) yield chunk;
    },
  };
  return w as Warehouse;
}

describe('attribution on DuckDB with a small streaming buffer', () => {
  const models: ModelSpec[] = ['first_touch', 'time_decay', 'markov'];
  let dir: string;
  let path: string;
  let w: Warehouse | undefined;
  let config: Config;
  let conversions = 0;
  const credited = (r: Awaited<ReturnType<typeof runAttribution>>) =>
    r.models.map((m) => Object.values(m.credits).reduce((s, c) => s + c.conversions, 0));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'touchline-attr-stream-'));
    path = join(dir, 'w.duckdb');
    w = await openDuckDBWarehouse({ path });
    await w.migrate();
    await generateDuckDBData(w, 1_000_000);
    config = resolveConfig({ dataDir: dir, tracker: { siteDomains: ['shop.test'] } }, {}, {});
    const model = createDerivedModel(w, config);
    await model.ensure();
    await model.rebuildSessions();
    conversions = Number((await w.query(`SELECT count(*) FROM events WHERE event = 'Order Completed'`)).rows[0]![0]);
  }, 120_000);
  afterAll(async () => {
    await w?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('credits every conversion through the warehouse (default buffer)', async () => {
    expect(conversions).toBeGreaterThan(1000);
    const r = await runAttribution(w!, config, { models, level: 'channel', lookbackDays: 3650 }, { sessionsOnRead: false });
    for (const c of credited(r)) expect(c).toBeCloseTo(conversions, 6);
  }, 60_000);

  it('returns, with every conversion credited, from stored sessions and sessions on read, through a 1 KB buffer', async () => {
    await w!.close();
    w = undefined;
    const duck = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
    const conn = await duck.connect();
    try {
      await conn.run(`SET TimeZone = 'UTC'`);
      await conn.run(`SET streaming_buffer_size = '1KB'`);
      for (const sessionsOnRead of [false, true]) {
        const r = await runAttribution(overConnection(conn), config, { models, level: 'channel', lookbackDays: 3650 }, { sessionsOnRead });
        for (const c of credited(r)) expect(c).toBeCloseTo(conversions, 6);
      }
    } finally {
      conn.closeSync();
      duck.closeSync();
    }
  }, 90_000);
});
