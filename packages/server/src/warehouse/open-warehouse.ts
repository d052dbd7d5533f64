import { isAbsolute, join } from 'node:path';
import { openClickHouseWarehouse } from './clickhouse/clickhouse-warehouse.js';
import { openDuckDBWarehouse } from './duckdb/duckdb-warehouse.js';
import { WarehouseEngine, type Warehouse } from './warehouse.js';
import type { WarehouseConfig } from './warehouse-config.js';

export interface OpenWarehouseOptions {
  /** Open for reading only (the CLI when no server holds the database). */
  readonly readOnly?: boolean;
}

/** Opens the configured warehouse engine (the `warehouse` section of the configuration). */
export async function openWarehouse(settings: WarehouseConfig, dataDir: string, options: OpenWarehouseOptions = {}): Promise<Warehouse> {
  switch (settings.engine) {
    case WarehouseEngine.DuckDB: {
      const p = settings.duckdbPath;
      const threads = settings.duckdbThreads === undefined ? {} : { threads: settings.duckdbThreads };
      const memory = settings.duckdbMemoryLimit === undefined ? {} : { settings: { memory_limit: settings.duckdbMemoryLimit } };
      return openDuckDBWarehouse({ path: isAbsolute(p) || p === ':memory:' ? p : join(dataDir, p), readOnly: options.readOnly ?? false, ...threads, ...memory });
    }
    case WarehouseEngine.ClickHouse: {
      const c = settings.clickhouse;
      return openClickHouseWarehouse({ url: c.url, database: c.database, username: c.username, password: c.password });
    }
    default: {
      // The schema admits only the engines above; a new one fails to compile here until it is wired.
      const unknown: never = settings.engine;
      throw new Error(`warehouse.engine "${String(unknown)}" is not available in this build`);
    }
  }
}
