import { SingleBar } from 'cli-progress';
import { resolve } from 'node:path';
import type { Config } from '../../config/config.js';
import { EXPORT_TABLES, exportParquet, type ExportTable, type ExportedFile } from '../../export/parquet-export.js';
import { openWarehouse } from '../../warehouse/open-warehouse.js';
import { offlineUse } from '../offline.js';

export interface ExportCommandOptions {
  readonly format: string;
  readonly since: string | undefined;
  readonly until: string | undefined;
  readonly out: string | undefined;
  readonly table: string | undefined;
  readonly progress: boolean;
}

const USAGE = 'usage: touchline export --format parquet --since YYYY-MM-DD --until YYYY-MM-DD --out <dir> [--table events|failed_events|identities]';

/**
 * `touchline export --format parquet --since … --until … --out <dir>`: Parquet files partitioned
 * by day, from whichever engine is configured. Load statements for Snowflake, BigQuery, Databricks
 * and ClickHouse are in docs/export.md.
 */
export async function exportCommand(config: Config, o: ExportCommandOptions, out: (s: string) => void): Promise<ExportedFile[]> {
  if (o.format !== 'parquet') throw new Error(`--format must be parquet (got ${o.format})\n${USAGE}`);
  if (!o.since || !o.until || !o.out) throw new Error(USAGE);
  const table = (o.table ?? 'events') as ExportTable;
  if (!(table in EXPORT_TABLES)) throw new Error(`--table must be one of ${Object.keys(EXPORT_TABLES).join(', ')}`);
  await offlineUse(config, 'export', { table, since: o.since, until: o.until, out: o.out });
  const warehouse = await openWarehouse(config.warehouse, resolve(config.dataDir), { readOnly: true });
  const bar = o.progress ? new SingleBar({ format: 'export [{bar}] {percentage}% | {value}/{total} rows | {day}', hideCursor: true }) : null;
  let started = false;
  try {
    const files = await exportParquet(warehouse, {
      table,
      since: o.since,
      until: o.until,
      outDir: resolve(o.out),
      onProgress: (done, total, day) => {
        if (bar && !started) {
          bar.start(total, 0, { day });
          started = true;
        }
        bar?.update(done, { day });
      },
    });
    bar?.stop();
    const rows = files.reduce((n, f) => n + f.rows, 0);
    out(`exported ${rows} ${table} rows into ${files.length} Parquet file(s) under ${resolve(o.out, table)}`);
    for (const f of files) out(`  ${f.day}  ${String(f.rows).padStart(9)} rows  ${f.path}`);
    return files;
  } finally {
    bar?.stop();
    await warehouse.close();
  }
}
