/** Warehouses the conformance suites run against, each with what disposes of it. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openClickHouseWarehouse, type ClickHouseWarehouse } from '../../src/warehouse/clickhouse/clickhouse-warehouse.js';
import { openDuckDBWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';
import { startClickHouseServer } from './clickhouse-server.js';

export interface DisposableWarehouse<W extends Warehouse = Warehouse> {
  readonly warehouse: W;
  dispose(): Promise<void>;
}

/** An embedded DuckDB warehouse in a fresh temporary folder, removed on dispose. */
export async function tempDuckDBWarehouse(prefix: string): Promise<DisposableWarehouse> {
  const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
  const warehouse = await openDuckDBWarehouse({ path: join(dir, 'w.duckdb') });
  return {
    warehouse,
    async dispose() {
      await warehouse.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A ClickHouse server of its own (Debian's clickhouse-server) and a warehouse in `database`, both stopped on dispose. */
export async function privateClickHouseWarehouse(database: string): Promise<DisposableWarehouse<ClickHouseWarehouse>> {
  const server = await startClickHouseServer();
  const warehouse = await openClickHouseWarehouse({ url: server.url, database });
  return {
    warehouse,
    async dispose() {
      await warehouse.close();
      await server.dispose();
    },
  };
}
