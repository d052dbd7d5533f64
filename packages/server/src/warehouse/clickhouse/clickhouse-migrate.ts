import { clickhouseQuoteIdent as quoteIdent } from '../dialect/clickhouse-quoting.js';
import type { SqlParams } from '../dialect/sql-value.js';
import type { ClickHouseFeatures } from './clickhouse-features.js';
import {
  CLICKHOUSE_MIGRATIONS,
  SCHEMA_STORE_TABLES,
  STORE,
  columnType,
  createStoreTable,
  createView,
  storeTables,
  viewQueries,
} from './clickhouse-schema.js';

export interface MigratePort {
  readonly database: string;
  readonly features: ClickHouseFeatures;
  command(sql: string, params?: SqlParams): Promise<void>;
  rows(sql: string, params?: SqlParams): Promise<{ rows: unknown[][] }>;
  schemaVersion(): Promise<number>;
}

/**
 * Versioned migrations, then additive reconciliation with `schema.ts` (a column added there is
 * added to its store table), then the views, recreated when their columns changed. Safe to run
 * from several collectors at once: every step is idempotent.
 *
 * On a cluster (the store tables are Distributed, created from `touchline warehouse ddl --cluster`)
 * nothing is created or altered here: schema changes there go through `ON CLUSTER` DDL.
 */
export async function migrateClickHouse(p: MigratePort): Promise<number[]> {
  const db = quoteIdent(p.database);
  const target = { database: p.database, features: p.features };
  const engineOf = async (table: string) =>
    String(
      (await p.rows(`SELECT any(engine) FROM system.tables WHERE database = $database AND name = $table`, { database: p.database, table })).rows[0]?.[0] ?? '',
    );
  if ((await engineOf(STORE.events)) === 'Distributed') return [];

  const migrations = storeTables(target).find((s) => s.name === STORE.migrations)!;
  await p.command(createStoreTable(migrations, target));
  const current = await p.schemaVersion();
  const applied: number[] = [];
  for (const m of CLICKHOUSE_MIGRATIONS) {
    if (m.version <= current) continue;
    for (const s of m.statements(target)) await p.command(s);
    await p.command(`INSERT INTO ${db}.${STORE.migrations} (version, name, applied_at) VALUES ($version, $name, now())`, { version: m.version, name: m.name });
    applied.push(m.version);
  }
  const added = await addMissingColumns(p);
  await ensureViews(p, added);
  return applied;
}

async function columnsOf(p: MigratePort, table: string): Promise<string[]> {
  const r = await p.rows(`SELECT name FROM system.columns WHERE database = $database AND table = $table`, { database: p.database, table });
  return r.rows.map((row) => String(row[0]));
}

async function addMissingColumns(p: MigratePort): Promise<number> {
  let added = 0;
  for (const [table, cols, keys] of SCHEMA_STORE_TABLES) {
    const have = new Set(await columnsOf(p, table));
    for (const c of cols) {
      if (have.has(c.name)) continue;
      const type = columnType(c, p.features, !keys.has(c.name));
      try {
        // 18.x has no ADD COLUMN IF NOT EXISTS; another collector may add it at the same moment.
        await p.command(`ALTER TABLE ${quoteIdent(p.database)}.${quoteIdent(table)} ADD COLUMN ${quoteIdent(c.name)} ${type}`);
        added++;
      } catch (err) {
        if (!(await columnsOf(p, table)).includes(c.name)) throw err;
      }
    }
  }
  return added;
}

/** Views list their columns when created: recreate one whose columns no longer match. */
async function ensureViews(p: MigratePort, added: number): Promise<void> {
  for (const [name, select, expected] of viewQueries(p.database)) {
    const have = await columnsOf(p, name);
    const stale = added > 0 || have.join(',') !== expected.join(',');
    if (!stale) continue;
    if (have.length > 0) await p.command(`DROP TABLE IF EXISTS ${quoteIdent(p.database)}.${quoteIdent(name)}`);
    await p.command(createView(p.database, name, select));
  }
}
