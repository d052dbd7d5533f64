import type { Config } from '../../config/config.js';
import { CURRENT_SERVER_FEATURES, type ClickHouseFeatures } from '../../warehouse/clickhouse/clickhouse-features.js';
import {
  CLICKHOUSE_MIGRATIONS,
  STORE,
  clusterDdl,
  createStoreTable,
  createView,
  storeTables,
  viewQueries,
} from '../../warehouse/clickhouse/clickhouse-schema.js';
import { clickhouseLiteral, clickhouseQuoteIdent as quoteIdent } from '../../warehouse/dialect/clickhouse-quoting.js';

export interface DdlOptions {
  /** `ON CLUSTER` name from the servers' `remote_servers`; without it, single-server DDL. */
  readonly cluster?: string | undefined;
  /** @defaultValue the configured `warehouse.clickhouse.database` */
  readonly database?: string | undefined;
  /** Print for a server without DateTime64 (18.x). @defaultValue false: a current server */
  readonly legacy?: boolean;
}

/**
 * `touchline warehouse ddl [--cluster <name>]`: the ClickHouse schema as SQL, for a DBA to review
 * and apply. With `--cluster`, every store table becomes a Replicated* table `<name>_local` on
 * each node and a Distributed table under the store name, sharded so that copies of one message
 * meet on one shard (the `events` view's FINAL then collapses them there).
 */
export function warehouseDdl(config: Config, options: DdlOptions): string {
  const database = options.database ?? config.warehouse.clickhouse.database;
  const features: ClickHouseFeatures = options.legacy
    ? { ...CURRENT_SERVER_FEATURES, version: '18.16', timestamps: 'iso-string', jsonExtract: false, parquetOutput: false, lowCardinality: false }
    : CURRENT_SERVER_FEATURES;
  const statements = options.cluster
    ? clusterDdl({ database, features, cluster: options.cluster })
    : [
        `CREATE DATABASE IF NOT EXISTS ${quoteIdent(database)}`,
        ...storeTables({ database, features }).map((s) => createStoreTable(s, { database, features })),
        // Migrations after the first add tables of their own (activation, the touch store); print
        // them too, before the views (one of them reads the touch store).
        ...CLICKHOUSE_MIGRATIONS.filter((m) => m.version > 1).flatMap((m) => m.statements({ database, features })),
        ...viewQueries(database).map(([name, select]) => createView(database, name, select)),
        ...CLICKHOUSE_MIGRATIONS.map(
          (m) => `INSERT INTO ${quoteIdent(database)}.${STORE.migrations} (version, name, applied_at) VALUES (${m.version}, ${clickhouseLiteral(m.name)}, now())`,
        ),
      ];
  const header = [
    `-- Touchline warehouse schema for ClickHouse (${options.cluster ? `cluster ${options.cluster}` : 'single server'}, database ${database}).`,
    `-- Timestamps: ${features.timestamps === 'datetime64' ? "DateTime64(3, 'UTC')" : 'ISO-8601 strings (servers before 19.19)'}.`,
    options.cluster
      ? `-- Needs ZooKeeper/Keeper and the {shard} and {replica} macros on every node. Collectors need no change:\n-- they write to the Distributed tables, which carry the store names.`
      : `-- touchline start applies this itself on first start; printed here for review.`,
  ];
  return [...header, '', ...statements.map((s) => `${s};\n`)].join('\n');
}

/** `touchline warehouse <subcommand>`. */
export function warehouseCommand(config: Config, args: readonly string[], options: DdlOptions, out: (s: string) => void): void {
  if (args[0] !== 'ddl') throw new Error('usage: touchline warehouse ddl [--cluster <name>] [--database <db>] [--legacy]');
  out(warehouseDdl(config, options));
}
