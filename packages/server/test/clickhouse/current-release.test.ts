import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { openClickHouseTouchStore } from '../../src/tracker-endpoint/clickhouse-touch-store.js';
import { openClickHouseWarehouse } from '../../src/warehouse/clickhouse/clickhouse-warehouse.js';
import { perRequestSettings } from '../support/chdb.js';
import { touchStoreConformance } from '../tracker/touch-store-conformance.js';
import { describeWarehouseConformance } from '../warehouse/conformance.js';

/**
 * The conformance suite against a *current* ClickHouse release (DateTime64 timestamps, JSONExtract,
 * the newer error texts), in process through chDB's connection for @clickhouse/client. CI has
 * only Debian's 18.16 server, so this runs where chDB is installed (it is ~550 MB, not a project
 * dependency):  npm install --no-save chdb   or   TOUCHLINE_CHDB_CONNECTION=/path/to/chdb/dist/connection/index.js
 */
const specifier = process.env['TOUCHLINE_CHDB_CONNECTION'] ?? 'chdb/connection';
let chdb: { createChdbConnection(o: { path: string }): unknown } | null = null;
try {
  chdb = (await import(/* @vite-ignore */ specifier)) as typeof chdb;
} catch {
  console.warn(`current-release ClickHouse conformance skipped: chDB not found (${specifier}); npm install --no-save chdb to run it`);
}

describe.skipIf(chdb === null)('clickhouse, current release (chDB)', () => {
  describeWarehouseConformance('clickhouse (current release, chDB)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'touchline-chdb-'));
    const warehouse = await openClickHouseWarehouse({
      url: 'http://chdb.invalid',
      database: 'touchline_current',
      connection: () => perRequestSettings(chdb!.createChdbConnection({ path: dir }) as Parameters<typeof perRequestSettings>[0], 'touchline_current') as never,
    });
    if (warehouse.features.timestamps !== 'datetime64') throw new Error(`expected DateTime64 on ${warehouse.features.version}`);
    return {
      warehouse,
      async dispose() {
        await warehouse.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  });
});

// The tracker's ClickHouse touch store (migration 3: Null table, materialized view,
// AggregatingMergeTree, ALTER … DELETE) on the current release; each store gets a fresh database.
describe.skipIf(chdb === null)('touch store, current release (chDB)', () => {
  let dir: string | undefined;
  let n = 0;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  touchStoreConformance('clickhouse (current release, chDB)', async () => {
    dir ??= await mkdtemp(join(tmpdir(), 'touchline-chdb-touches-'));
    const database = `touchline_touches_${++n}`;
    const path = dir;
    const connection = {
      url: 'http://chdb.invalid',
      database,
      connection: () => perRequestSettings(chdb!.createChdbConnection({ path }) as Parameters<typeof perRequestSettings>[0], database) as never,
    };
    const w = await openClickHouseWarehouse(connection);
    await w.migrate();
    await w.close();
    return openClickHouseTouchStore({ connection, flushIntervalMs: 250, log: () => undefined });
  });
});
