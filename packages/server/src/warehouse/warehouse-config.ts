import { z } from 'zod';
import { WarehouseEngine } from './engine.js';

/** `warehouse` section of the configuration: which engine, and where it is. */
export const WarehouseConfigSchema = z
  .object({
    /** @defaultValue `duckdb` */
    engine: z.enum([WarehouseEngine.DuckDB, WarehouseEngine.ClickHouse]).default(WarehouseEngine.DuckDB),
    /** DuckDB file; relative paths are inside `dataDir`. @defaultValue `warehouse.duckdb` */
    duckdbPath: z.string().default('warehouse.duckdb'),
    clickhouse: z
      .object({
        url: z.string().url().default('http://localhost:8123'),
        database: z.string().default('touchline'),
        username: z.string().default('default'),
        password: z.string().default(''),
      })
      .prefault({}),
  })
  .prefault({});

export type WarehouseConfig = z.infer<typeof WarehouseConfigSchema>;
