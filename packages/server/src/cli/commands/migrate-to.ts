import { SingleBar } from 'cli-progress';
import { isAbsolute, join, resolve } from 'node:path';
import type { Config } from '../../config/config.js';
import { COPY_TABLES, type CopyTable } from '../../warehouse/clickhouse/clickhouse-copy.js';
import { openClickHouseWarehouse, type ClickHouseWarehouse } from '../../warehouse/clickhouse/clickhouse-warehouse.js';
import { openDuckDBWarehouse } from '../../warehouse/duckdb/duckdb-warehouse.js';
import type { Warehouse } from '../../warehouse/warehouse.js';

export interface MigrateToOptions {
  readonly to: string | undefined;
  readonly progress: boolean;
  /** Rows per ClickHouse insert. @defaultValue 20000 */
  readonly batchRows?: number;
}

export interface TableCount {
  readonly table: CopyTable;
  readonly source: number;
  readonly target: number;
}

/** Tables compared after the copy (checkpoints are per collector: one row each, compared too). */
const countSql = (table: CopyTable) =>
  table === 'loader_checkpoints' ? 'SELECT count(DISTINCT collector_id) FROM loader_checkpoints' : `SELECT count(*) FROM ${table}`;

async function count(w: Warehouse, table: CopyTable): Promise<number> {
  return Number((await w.query(countSql(table))).rows[0]?.[0] ?? 0);
}

/**
 * Copies an embedded DuckDB installation into ClickHouse, table by table, with a progress bar,
 * then compares row counts table by table. Stop the server first (DuckDB is opened read-only);
 * then set `warehouse.engine` to `clickhouse` and start again: the collectors' spools resume from
 * the copied checkpoints. Safe to run again after an interruption: the copy is idempotent.
 */
export async function migrateToClickHouse(config: Config, options: MigrateToOptions, out: (s: string) => void): Promise<TableCount[]> {
  if (options.to !== 'clickhouse') throw new Error('usage: touchline migrate --to clickhouse [--clickhouse-url http://host:8123]');
  const p = config.warehouse.duckdbPath;
  const path = isAbsolute(p) ? p : join(resolve(config.dataDir), p);
  const source = await openDuckDBWarehouse({ path, readOnly: true }).catch((err: Error) => {
    throw new Error(`cannot open the DuckDB warehouse ${path} read-only (is touchline start still running on it?): ${err.message}`);
  });
  let target: ClickHouseWarehouse | null = null;
  const bar = options.progress ? new SingleBar({ format: 'migrate [{bar}] {percentage}% | {value}/{total} rows | {table}', hideCursor: true }) : null;
  try {
    const c = config.warehouse.clickhouse;
    target = await openClickHouseWarehouse({ url: c.url, database: c.database, username: c.username, password: c.password });
    await target.migrate();
    const sizes = new Map<CopyTable, number>();
    for (const t of COPY_TABLES) sizes.set(t, await count(source, t));
    const total = [...sizes.values()].reduce((a, b) => a + b, 0);
    out(`copying ${total} rows from ${path} to ClickHouse ${c.url} (database ${c.database}, server ${target.features.version})`);
    bar?.start(total, 0, { table: '' });
    const windowMs = config.dedup.windowHours * 3600_000;
    const batchRows = options.batchRows ?? 20_000;
    let done = 0;
    for (const table of COPY_TABLES) {
      let pending: Record<string, unknown>[] = [];
      const flush = async () => {
        if (pending.length === 0) return;
        await target!.copyRows(table, pending, windowMs);
        done += pending.length;
        pending = [];
        bar?.update(done, { table });
      };
      for await (const chunk of source.stream(`SELECT * FROM ${table}`)) {
        pending.push(...chunk);
        if (pending.length >= batchRows) await flush();
      }
      await flush();
    }
    bar?.stop();
    const counts: TableCount[] = [];
    for (const table of COPY_TABLES) counts.push({ table, source: sizes.get(table) ?? 0, target: await count(target, table) });
    for (const x of counts) out(`  ${x.table.padEnd(20)} duckdb ${String(x.source).padStart(10)}  clickhouse ${String(x.target).padStart(10)}  ${x.source === x.target ? 'ok' : 'MISMATCH'}`);
    const bad = counts.filter((x) => x.source !== x.target);
    if (bad.length > 0) {
      throw new Error(
        `row counts differ for ${bad.map((x) => x.table).join(', ')}: did the ClickHouse database "${c.database}" already hold other data? ` +
          `Migrate into an empty database (warehouse.clickhouse.database).`,
      );
    }
    out(`verified: every table has the same number of rows. Now set warehouse.engine to "clickhouse" and start Touchline.`);
    return counts;
  } finally {
    bar?.stop();
    await target?.close();
    await source.close();
  }
}
