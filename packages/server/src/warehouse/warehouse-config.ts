import { z } from 'zod';
import { WarehouseEngine } from './engine.js';

/** `warehouse` section of the configuration: which engine, and where it is. */
export const WarehouseConfigSchema = z
  .object({
    /** @defaultValue `duckdb` */
    engine: z.enum([WarehouseEngine.DuckDB, WarehouseEngine.ClickHouse]).default(WarehouseEngine.DuckDB),
    /** DuckDB file; relative paths are inside `dataDir`. @defaultValue `warehouse.duckdb` */
    duckdbPath: z.string().default('warehouse.duckdb'),
    /**
     * DuckDB's worker threads, for the loader and every query. A collector that loads while it
     * takes events shares its cores with the loader: on a 2-core machine one thread loaded each row
     * with about 0.6x the CPU and wall time of two (`npm run bench -- duckdb-load`, docs/deployment.md),
     * leaving the cores to the collector; analyst queries then run on one thread.
     * @defaultValue DuckDB's default: one per core
     */
    duckdbThreads: z.coerce.number().int().positive().optional(),
    /**
     * The most memory embedded DuckDB's buffers may hold (`512MB`, `2GiB`…); past it, large
     * queries (attribution paths, rollup rebuilds) spill to a temporary folder beside the database
     * file instead of growing the process. Set it where the server shares its machine: DuckDB's own
     * default is 80 % of the machine's memory (docs/deployment.md, "Sizing").
     * @defaultValue DuckDB's default
     */
    duckdbMemoryLimit: z
      .string()
      .trim()
      .regex(/^\d{1,7}(\.\d{1,3})?\s?(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'an amount of memory such as 512MB or 2GiB')
      .optional(),
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
