import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { openClickHouseTouchStore } from '../../src/tracker-endpoint/clickhouse-touch-store.js';
import { openClickHouseWarehouse } from '../../src/warehouse/clickhouse/clickhouse-warehouse.js';
import { chdbConnection, chdbWarehouse, loadChdb } from '../support/chdb.js';
import { touchStoreConformance } from '../tracker/touch-store-conformance.js';
import { describeWarehouseConformance } from '../warehouse/conformance.js';

/**
 * The conformance suite against a *current* ClickHouse release (DateTime64 timestamps, JSONExtract,
 * the newer error texts), in process through chDB (see test/support/chdb.ts).
 */
const chdb = await loadChdb();

describe.skipIf(chdb === null)('clickhouse, current release (chDB)', () => {
  describeWarehouseConformance('clickhouse (current release, chDB)', async () => {
    const fx = await chdbWarehouse(chdb!, 'touchline_current');
    if (fx.warehouse.features.timestamps !== 'datetime64') throw new Error(`expected DateTime64 on ${fx.warehouse.features.version}`);
    return fx;
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
    const connection = chdbConnection(chdb!, dir, `touchline_touches_${++n}`);
    const w = await openClickHouseWarehouse(connection);
    await w.migrate();
    await w.close();
    return openClickHouseTouchStore({ connection, flushIntervalMs: 250, log: () => undefined });
  });
});
