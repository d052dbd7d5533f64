import { ColumnType, EVENT_COLUMNS, FAILED_EVENT_COLUMNS, IDENTITY_COLUMNS, type Column } from '../schema.js';
import { activationClickhouseClusterStatements, activationClickhouseStatements, activationV4ClickhouseStatements } from '../activation-tables.js';
import { planClickhouseStatements } from '../plan-tables.js';
import { spendClickhouseClusterStatements, spendClickhouseStatements } from '../spend-tables.js';
import { suppressionClickhouseStatements } from '../suppression-tables.js';
import { clickhouseLiteral, clickhouseQuoteIdent as quoteIdent } from '../dialect/clickhouse-quoting.js';
import { TimestampFlavor, type ClickHouseFeatures } from './clickhouse-features.js';
import { touchClusterStatements, touchTableStatements, touchViewQuery } from './clickhouse-touch-tables.js';

/**
 * ClickHouse tables for Touchline. Users and the attribution SQL read the views `events`,
 * `failed_events`, `identities` and `sources`, which are deduplicated whatever the state of
 * background merges; the loader writes the `*_store` tables underneath.
 *
 * - `events_store`: ReplacingMergeTree, partitioned by month, ordered by actor (anonymous id,
 *   else user id), then the dedup window bucket, source and message id. The sorting key *is* the
 *   dedup identity, so copies of one message written by any number of collectors collapse; the
 *   `events` view reads it `FINAL`, so they are collapsed before merges happen too.
 * - `event_ids`: a narrow index of (message_id, source_id, received_ms), ordered by message id, for
 *   the loader's "was this message loaded in the window?" lookup.
 * - `identities_store`: one row per link sighting; the view keeps the earliest sighting.
 */
export const STORE = {
  events: 'events_store',
  eventIds: 'event_ids',
  failed: 'failed_events_store',
  identities: 'identities_store',
  sources: 'sources_store',
  checkpoints: 'loader_checkpoints',
  migrations: 'schema_migrations',
} as const;

/** Columns that are part of a sorting key: never NULL in the store ('' stands for NULL). */
export const EVENT_KEY_COLUMNS: ReadonlySet<string> = new Set(['source_id', 'message_id']);
export const IDENTITY_KEY_COLUMNS = new Set(['kind', 'anonymous_id', 'user_id', 'previous_id']);

/** Boolean columns: UInt8 in ClickHouse, shown as true/false in results. */
export const BOOL_COLUMNS: ReadonlySet<string> = new Set(
  [...EVENT_COLUMNS, ...FAILED_EVENT_COLUMNS, ...IDENTITY_COLUMNS].filter((c) => c.type === ColumnType.Bool).map((c) => c.name),
);

export function timestampType(f: Pick<ClickHouseFeatures, 'timestamps'>): string {
  return f.timestamps === TimestampFlavor.DateTime64 ? `DateTime64(3, 'UTC')` : 'String';
}

export function columnType(c: Column, f: Pick<ClickHouseFeatures, 'timestamps'>, nullable = true): string {
  const base =
    c.type === ColumnType.Timestamp
      ? timestampType(f)
      : c.type === ColumnType.Bool
        ? 'UInt8'
        : c.type === ColumnType.Int
          ? 'Int64'
          : 'String';
  return nullable ? `Nullable(${base})` : base;
}

/** Where to create things: a database, and optionally `ON CLUSTER` with replicated engines. */
export interface DdlTarget {
  readonly database: string;
  readonly features: Pick<ClickHouseFeatures, 'timestamps'>;
  /** Print replicated local tables plus Distributed tables under the store names. */
  readonly cluster?: string;
}

const q = quoteIdent;
const monthOfMs = (col: string) => `toYYYYMM(toDateTime(intDiv(${col}, 1000), 'UTC'))`;

interface StoreTable {
  readonly name: string;
  readonly columns: readonly string[];
  /** `ReplacingMergeTree` argument (version column), or '' for none. */
  readonly version: string;
  readonly partitionBy: string | null;
  readonly orderBy: string;
  /** Sharding expression when distributed over a cluster. */
  readonly shardBy: string;
}

/**
 * Every stored table's ClickHouse definition, in creation order. Long because it is a list: one
 * entry per table, each read on its own; a function per table would only scatter them.
 */
// long: a list with one entry per table, in creation order
export function storeTables(t: DdlTarget): StoreTable[] {
  const f = t.features;
  const ts = timestampType(f);
  return [
    {
      name: STORE.events,
      columns: [
        ...EVENT_COLUMNS.map((c) => `${q(c.name)} ${columnType(c, f, !EVENT_KEY_COLUMNS.has(c.name))}`),
        `dedup_bucket UInt64`,
      ],
      version: '',
      partitionBy: monthOfMs('dedup_bucket'),
      orderBy: `(ifNull(anonymous_id, ifNull(user_id, '')), dedup_bucket, source_id, message_id)`,
      // Copies of one message share an actor, so they meet on one shard and FINAL collapses them.
      shardBy: `cityHash64(ifNull(anonymous_id, ifNull(user_id, '')))`,
    },
    {
      name: STORE.eventIds,
      columns: ['message_id String', 'source_id String', 'received_ms UInt64'],
      version: '',
      partitionBy: monthOfMs('received_ms'),
      orderBy: '(message_id, source_id, received_ms)',
      shardBy: 'cityHash64(message_id)',
    },
    {
      name: STORE.failed,
      columns: [...FAILED_EVENT_COLUMNS.map((c) => `${q(c.name)} ${columnType(c, f)}`), 'row_key String', 'received_ms UInt64'],
      version: '',
      partitionBy: monthOfMs('received_ms'),
      orderBy: '(row_key)',
      shardBy: 'cityHash64(row_key)',
    },
    {
      name: STORE.identities,
      columns: [
        ...IDENTITY_COLUMNS.map((c) => `${q(c.name)} ${columnType(c, f, !IDENTITY_KEY_COLUMNS.has(c.name))}`),
        'first_seen_ms UInt64',
        'version UInt64',
      ],
      version: 'version',
      partitionBy: null,
      orderBy: '(user_id, anonymous_id, previous_id, kind)',
      shardBy: 'cityHash64(user_id)',
    },
    {
      name: STORE.sources,
      columns: ['id String', 'name String', 'write_key String', `created_at ${ts}`, `revoked_at Nullable(${ts})`, 'version UInt64'],
      version: 'version',
      partitionBy: null,
      orderBy: '(id)',
      shardBy: '0',
    },
    {
      name: STORE.checkpoints,
      columns: ['collector_id String', 'segment_seq UInt64', `updated_at DateTime('UTC')`],
      version: 'segment_seq',
      partitionBy: null,
      orderBy: '(collector_id)',
      shardBy: '0',
    },
    {
      name: STORE.migrations,
      columns: ['version UInt32', 'name String', `applied_at DateTime('UTC')`],
      version: '',
      partitionBy: null,
      orderBy: '(version)',
      shardBy: '0',
    },
  ];
}

function engineClause(s: StoreTable, t: DdlTarget, replicated: boolean): string {
  const args = replicated ? [clickhouseLiteral(`/clickhouse/tables/{shard}/${t.database}/${s.name}`), clickhouseLiteral('{replica}')] : [];
  if (s.version) args.push(s.version);
  const engine = `${replicated ? 'Replicated' : ''}ReplacingMergeTree(${args.join(', ')})`;
  return [`ENGINE = ${engine}`, s.partitionBy ? `PARTITION BY ${s.partitionBy}` : '', `ORDER BY ${s.orderBy}`]
    .filter(Boolean)
    .join('\n');
}

/** `CREATE TABLE` for one store table on a single server. */
export function createStoreTable(s: StoreTable, t: DdlTarget): string {
  return `CREATE TABLE IF NOT EXISTS ${q(t.database)}.${q(s.name)} (\n  ${s.columns.join(',\n  ')}\n)\n${engineClause(s, t, false)}`;
}

const names = (cols: readonly Column[]) => cols.map((c) => c.name);

/** The SELECT behind each user-facing view, and the columns it shows. */
export function viewQueries(database: string): [string, string, readonly string[]][] {
  const db = q(database);
  const eventCols = EVENT_COLUMNS.map((c) => q(c.name)).join(', ');
  const failedCols = FAILED_EVENT_COLUMNS.map((c) => q(c.name)).join(', ');
  const identityCols = IDENTITY_COLUMNS.map((c) => {
    if (c.name === 'kind') return q(c.name);
    if (IDENTITY_KEY_COLUMNS.has(c.name)) return `nullIf(${q(c.name)}, '') AS ${q(c.name)}`;
    if (c.name === 'first_seen') return `min(first_seen) AS first_seen`;
    return `argMin(${q(c.name)}, first_seen_ms) AS ${q(c.name)}`;
  }).join(', ');
  return [
    ['events', `SELECT ${eventCols} FROM ${db}.${STORE.events} FINAL`, names(EVENT_COLUMNS)],
    ['failed_events', `SELECT ${failedCols} FROM ${db}.${STORE.failed} FINAL`, names(FAILED_EVENT_COLUMNS)],
    [
      'identities',
      `SELECT ${identityCols} FROM ${db}.${STORE.identities} GROUP BY kind, anonymous_id, user_id, previous_id`,
      names(IDENTITY_COLUMNS),
    ],
    [
      'sources',
      `SELECT id, name, write_key, created_at, revoked_at FROM ${db}.${STORE.sources} FINAL`,
      ['id', 'name', 'write_key', 'created_at', 'revoked_at'],
    ],
    touchViewQuery(database),
  ];
}

export function createView(database: string, name: string, select: string, cluster?: string): string {
  return `CREATE VIEW IF NOT EXISTS ${q(database)}.${q(name)}${cluster ? ` ON CLUSTER ${q(cluster)}` : ''} AS ${select}`;
}

/** A versioned, append-only migration: never edit one that has shipped; add the next. */
export interface ClickHouseMigration {
  readonly version: number;
  readonly name: string;
  statements(t: DdlTarget): string[];
}

/**
 * In version order. A store applies every version above the highest it has, so a new migration
 * takes the next number above the last one here; version 5 was never used, and a 5 added now
 * would be skipped by every store already at 7.
 */
export const CLICKHOUSE_MIGRATIONS: readonly ClickHouseMigration[] = [
  {
    version: 1,
    name: 'events, event ids, failed events, identities, sources, loader checkpoints',
    statements: (t) => storeTables(t).filter((s) => s.name !== STORE.migrations).map((s) => createStoreTable(s, t)),
  },
  {
    version: 2,
    name: 'activation: sync_runs, sync_state, sync_row_results',
    statements: (t) => activationClickhouseStatements(t.database, timestampType(t.features)),
  },
  {
    version: 3,
    name: 'tracker touch store: visitor_touch_facts, visitor_touches_store, visitor_touches_mv',
    statements: (t) => touchTableStatements(t.database),
  },
  {
    version: 4,
    name: 'activation: sync_row_results.receipt, vendor_code',
    statements: (t) => activationV4ClickhouseStatements(t.database),
  },
  {
    version: 6,
    // The columns come from schema.ts (version 1 creates them; older stores get them by reconciliation).
    name: 'tracking plans: plan_replays (plan_version, plan_violations on events and failed_events)',
    statements: (t) => planClickhouseStatements(t.database, timestampType(t.features)),
  },
  {
    version: 7,
    name: 'ad spend: ad_spend_rows, ad_spend_loads, ad_spend, fx_rates, ad_campaigns',
    statements: (t) => spendClickhouseStatements(t.database, timestampType(t.features)),
  },
  {
    version: 8,
    name: 'privacy: privacy_suppressions (the suppression lists every collector shares)',
    statements: (t) => suppressionClickhouseStatements(t.database),
  },
];

/** Store tables whose columns follow `schema.ts`: columns added there are added here on migrate. */
export const SCHEMA_STORE_TABLES: readonly [string, readonly Column[], ReadonlySet<string>][] = [
  [STORE.events, EVENT_COLUMNS, EVENT_KEY_COLUMNS],
  [STORE.failed, FAILED_EVENT_COLUMNS, new Set()],
  [STORE.identities, IDENTITY_COLUMNS, IDENTITY_KEY_COLUMNS],
];

/**
 * The whole schema for a cluster, for `touchline warehouse ddl --cluster <name>`: every store
 * table as a Replicated* table `<name>_local` on each node plus a Distributed table under the
 * store name, so the loader and the views work unchanged on one server or many.
 */
export function clusterDdl(t: DdlTarget & { cluster: string }): string[] {
  const db = q(t.database);
  const on = `ON CLUSTER ${q(t.cluster)}`;
  const out = [`CREATE DATABASE IF NOT EXISTS ${db} ${on}`];
  for (const s of storeTables(t)) {
    const local = `${s.name}_local`;
    out.push(
      `CREATE TABLE IF NOT EXISTS ${db}.${q(local)} ${on} (\n  ${s.columns.join(',\n  ')}\n)\n${engineClause(
        { ...s, name: local },
        t,
        true,
      )}`,
    );
    out.push(
      `CREATE TABLE IF NOT EXISTS ${db}.${q(s.name)} ${on} AS ${db}.${q(local)}\nENGINE = Distributed(${q(t.cluster)}, ${db}, ${q(local)}, ${s.shardBy})`,
    );
  }
  // the views read the touch store, so its tables come first
  out.push(...touchClusterStatements(t.database, t.cluster));
  for (const [name, select] of viewQueries(t.database)) out.push(createView(t.database, name, select, t.cluster));
  out.push(...activationClickhouseClusterStatements(t.database, timestampType(t.features), t.cluster));
  out.push(...planClickhouseStatements(t.database, timestampType(t.features), t.cluster));
  out.push(...spendClickhouseClusterStatements(t.database, timestampType(t.features), t.cluster));
  out.push(...suppressionClickhouseStatements(t.database, t.cluster));
  for (const m of CLICKHOUSE_MIGRATIONS) {
    out.push(`INSERT INTO ${db}.${STORE.migrations} (version, name, applied_at) VALUES (${m.version}, ${clickhouseLiteral(m.name)}, now())`);
  }
  return out;
}
