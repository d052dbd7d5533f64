import { clickhouseLiteral, clickhouseQuoteIdent as quoteIdent } from './dialect/clickhouse-quoting.js';

/**
 * The activation engine's tables (syncs and event forwarding), on both engines. They live in the
 * warehouse so that a sync's memory (what it last sent) survives the process, is shared by every
 * Touchline process on a ClickHouse warehouse, and can be queried with `touchline sql`:
 *
 * - `sync_runs`: one row per run, its state machine status and counters.
 * - `sync_state`: per sync and primary key, the hash of the row last delivered (or refused for
 *   good); the diff of the next run is the anti-join of the source against it.
 * - `sync_row_results`: every attempt for every row: what was sent, what came back, and the
 *   status it left the row in.
 *
 * On ClickHouse, rows are never updated in place: `sync_runs` and `sync_state` are
 * ReplacingMergeTree tables with a `version` column (the newest version wins, read `FINAL`), and a
 * removed state row is a newer version with `deleted = 1`.
 */
export const ACTIVATION_TABLE_DOCS: Readonly<Record<string, string>> = {
  sync_runs: 'one row per sync run: status (pending, running, paused, rate_limited, succeeded, failed, cancelled), counters, error',
  sync_state: 'per sync and primary key: hash of the row last delivered (or permanently rejected), and when',
  sync_row_results: "every attempt for every row: op, status, Touchline's code and the vendor's (vendor_code), reason, what was sent, what came back, the vendor's receipt",
};

type Kind = 'text' | 'time' | 'count' | 'int' | 'json';

/** `sync_runs` columns, typed per engine below. */
const RUN_COLUMNS: readonly (readonly [string, Kind])[] = [
  ['sync_name', 'text'],
  ['kind', 'text'],
  ['status', 'text'],
  ['trigger', 'text'],
  ['mode', 'text'],
  ['destination', 'text'],
  ['started_at', 'time'],
  ['finished_at', 'time'],
  ['heartbeat_at', 'time'],
  ['owner', 'text'],
  ['stage_table', 'text'],
  ['planned_add', 'count'],
  ['planned_change', 'count'],
  ['planned_remove', 'count'],
  ['delivered', 'count'],
  ['rejected', 'count'],
  ['failed', 'count'],
  ['requests', 'count'],
  ['resumes', 'int'],
  ['error', 'text'],
  ['details', 'json'],
];

/** DuckDB DDL: ordinary tables, updated in place. */
export function activationDuckdbStatements(): string[] {
  const types: Record<Kind, string> = { text: 'VARCHAR', time: 'TIMESTAMPTZ', count: 'BIGINT', int: 'INTEGER', json: 'JSON' };
  const runCols = ['run_id VARCHAR PRIMARY KEY', ...RUN_COLUMNS.map(([n, k]) => `${n} ${types[k]}`)];
  return [
    `CREATE TABLE IF NOT EXISTS sync_runs (\n  ${runCols.join(',\n  ')}\n)`,
    `CREATE TABLE IF NOT EXISTS sync_state (
  sync_name VARCHAR NOT NULL,
  pk VARCHAR NOT NULL,
  hash VARCHAR NOT NULL,
  status VARCHAR NOT NULL,
  dedup_key VARCHAR,
  "row" JSON,
  run_id VARCHAR,
  updated_at TIMESTAMPTZ,
  PRIMARY KEY (sync_name, pk)
)`,
    `CREATE TABLE IF NOT EXISTS sync_row_results (
  run_id VARCHAR,
  sync_name VARCHAR,
  pk VARCHAR,
  op VARCHAR,
  attempt INTEGER,
  status VARCHAR,
  code VARCHAR,
  reason VARCHAR,
  field VARCHAR,
  dedup_key VARCHAR,
  http_status INTEGER,
  request JSON,
  answer JSON,
  recorded_at TIMESTAMPTZ,
  result_id VARCHAR
)`,
  ];
}

/** ClickHouse DDL (18.16 and later): ReplacingMergeTree with versions; `ts` is the timestamp type. */
export function activationClickhouseStatements(database: string, ts: string): string[] {
  const db = quoteIdent(database);
  const nts = `Nullable(${ts})`;
  const types: Record<Kind, string> = { text: 'Nullable(String)', time: nts, count: 'Int64', int: 'Int32', json: 'Nullable(String)' };
  const runCols = ['run_id String', ...RUN_COLUMNS.map(([n, k]) => `${n} ${n === 'sync_name' ? 'String' : types[k]}`)];
  return [
    `CREATE TABLE IF NOT EXISTS ${db}.sync_runs (\n  ${[...runCols, 'version UInt64'].join(',\n  ')}\n)\nENGINE = ReplacingMergeTree(version)\nORDER BY (run_id)`,
    `CREATE TABLE IF NOT EXISTS ${db}.sync_state (
  sync_name String,
  pk String,
  hash String,
  status String,
  dedup_key Nullable(String),
  row Nullable(String),
  run_id Nullable(String),
  updated_at ${nts},
  deleted UInt8,
  version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (sync_name, pk)`,
    `CREATE TABLE IF NOT EXISTS ${db}.sync_row_results (
  run_id String,
  sync_name String,
  pk String,
  op Nullable(String),
  attempt Int32,
  status Nullable(String),
  code Nullable(String),
  reason Nullable(String),
  field Nullable(String),
  dedup_key Nullable(String),
  http_status Nullable(Int32),
  request Nullable(String),
  answer Nullable(String),
  recorded_at ${nts},
  result_id String
)
ENGINE = ReplacingMergeTree
ORDER BY (sync_name, run_id, pk, result_id)`,
  ];
}

/**
 * Columns `sync_row_results` gained after version 2, added by migration 4 on both engines (an
 * existing warehouse upgrades in place; old rows read NULL in them):
 * - `receipt`: the vendor's receipt for a row whose verdict comes later (asynchronous outcomes);
 * - `vendor_code`: the vendor's own code, now that `code` holds Touchline's closed set
 *   (`ROW_CODES`). Rows written before keep the vendor's code in `code`, with `vendor_code` NULL.
 */
const RESULT_COLUMNS_V4: readonly (readonly [string, 'text' | 'json'])[] = [
  ['receipt', 'json'],
  ['vendor_code', 'text'],
];

/** Migration 4 on DuckDB. */
export function activationV4DuckdbStatements(): string[] {
  return RESULT_COLUMNS_V4.map(([n, k]) => `ALTER TABLE sync_row_results ADD COLUMN IF NOT EXISTS ${n} ${k === 'json' ? 'JSON' : 'VARCHAR'}`);
}

/**
 * Migration 4 on ClickHouse. 18.16 has no `ADD COLUMN IF NOT EXISTS`; migrations run once per
 * version (the `schema_migrations` row is written after the statements).
 */
export function activationV4ClickhouseStatements(database: string): string[] {
  return RESULT_COLUMNS_V4.map(([n]) => `ALTER TABLE ${quoteIdent(database)}.sync_row_results ADD COLUMN ${n} Nullable(String)`);
}

/** How the activation tables are spread over a cluster (the local tables' sharding keys). */
const CLUSTER_SHARDING: Readonly<Record<string, string>> = {
  sync_runs: 'cityHash64(run_id)',
  sync_state: 'cityHash64(sync_name, pk)',
  sync_row_results: 'cityHash64(sync_name, pk)',
};

/**
 * The same tables for `touchline warehouse ddl --cluster`: a Replicated* table `<name>_local` on
 * every node and a Distributed table under the name, as for the event tables. Not exercised by
 * the test suite (it runs the single-server DDL); inserts into Distributed tables are
 * synchronous only with `insert_distributed_sync = 1` in the writing user's profile.
 */
export function activationClickhouseClusterStatements(database: string, ts: string, cluster: string): string[] {
  const db = quoteIdent(database);
  const on = `ON CLUSTER ${quoteIdent(cluster)}`;
  return activationClickhouseStatements(database, ts).flatMap((ddl) => {
    const name = /\.(\w+) \(/.exec(ddl)?.[1] ?? '';
    const local = `${name}_local`;
    // A new cluster gets migration 4's columns in the CREATE: 18.16 refuses ALTER … ON CLUSTER on
    // the Distributed table of replicated shards, and the Distributed table copies the local one.
    const current = name === 'sync_row_results' ? ddl.replace('  result_id String\n)', `  result_id String,\n${RESULT_COLUMNS_V4.map(([n]) => `  ${n} Nullable(String)`).join(',\n')}\n)`) : ddl;
    const replicated = current
      .replace(`${db}.${name} (`, () => `${db}.${quoteIdent(local)} ${on} (`)
      .replace(/ENGINE = ReplacingMergeTree(?:\(([^)]*)\))?/, (_m, version?: string) => {
        const path = `${clickhouseLiteral(`/clickhouse/tables/{shard}/${database}/${local}`)}, ${clickhouseLiteral('{replica}')}`;
        return `ENGINE = ReplicatedReplacingMergeTree(${[path, version].filter(Boolean).join(', ')})`;
      });
    return [
      replicated,
      `CREATE TABLE IF NOT EXISTS ${db}.${name} ${on} AS ${db}.${quoteIdent(local)}\nENGINE = Distributed(${quoteIdent(cluster)}, ${db}, ${quoteIdent(local)}, ${CLUSTER_SHARDING[name]})`,
    ];
  });
}
