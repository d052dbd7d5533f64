import { isAbsolute, join } from 'node:path';
import type { Config } from '../config/config.js';
import { ConfigError } from '../config/config.js';
import { openClickHouseWarehouse } from './clickhouse/clickhouse-warehouse.js';
import { openDuckDBWarehouse } from './duckdb/duckdb-warehouse.js';
import type { Warehouse } from './warehouse.js';

export interface OpenWarehouseOptions {
  /** Open for reading only (the CLI when no server holds the database). */
  readonly readOnly?: boolean;
}

/** Opens the configured warehouse engine. */
export async function openWarehouse(config: Config, dataDir: string, options: OpenWarehouseOptions = {}): Promise<Warehouse> {
  switch (config.warehouse.engine) {
    case 'duckdb': {
      const p = config.warehouse.duckdbPath;
      return openDuckDBWarehouse({ path: isAbsolute(p) || p === ':memory:' ? p : join(dataDir, p), readOnly: options.readOnly ?? false });
    }
    case 'clickhouse': {
      const c = config.warehouse.clickhouse;
      return openClickHouseWarehouse({ url: c.url, database: c.database, username: c.username, password: c.password });
    }
    default:
      throw new ConfigError(`warehouse.engine "${config.warehouse.engine}" is not available in this build`);
  }
}
