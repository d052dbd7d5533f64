import { clickhouseQuoteIdent as quoteIdent } from '../dialect/clickhouse-quoting.js';
import type { SqlValue, Statement } from '../dialect/sql-value.js';

/**
 * The tracker's touch store in ClickHouse (`tracker.touchStore.engine = clickhouse`), shared by
 * every collector. ClickHouse has no transactions, so the store keeps **facts**, not mutable
 * state, and derives the state on read:
 *
 * - `visitor_touch_facts` (engine `Null`: nothing is kept) takes one row per applied update:
 *   the visitor id and, for each of `first`, `last`, `session`, the touch that update wrote (or
 *   nothing), plus `seen`.
 * - `visitor_touches_mv` turns each insert into partial aggregates in `visitor_touches_store`
 *   (`AggregatingMergeTree` ordered by visitor id): `first` = min, `last` and `session` = max,
 *   `seen` = max. Each touch is stored behind a fixed-width sort key (its time, then a writer
 *   stamp: see {@link TOUCH_KEY_CHARS}), so min/max pick the earliest first touch and the latest
 *   last and session touches whatever the order in which collectors wrote them. Merges collapse a
 *   visitor to one row; a read merges the partial rows (`minMerge`, `maxMerge`), so it is right
 *   before merges too.
 * - `visitor_touches`: the same, decoded, for people (`SELECT * FROM visitor_touches WHERE …`).
 *
 * Everything here runs on 18.16 (Null engine, `TO` materialized views, `-State`/`-Merge`
 * combinators, `ALTER … DELETE`) and on current releases (the conformance suite runs on both:
 * test/tracker/clickhouse-touch-store.test.ts, test/clickhouse/current-release.test.ts); no
 * feature detection is needed. Absent values are empty strings, not
 * NULL: the state type of `min` over `Nullable(String)` differs between releases, so the
 * materialized view's output would not match its target table everywhere. An absent first touch
 * is written as `~`, above every key, so `min` ignores it.
 */
export const TOUCH_TABLES = {
  facts: 'visitor_touch_facts',
  store: 'visitor_touches_store',
  mv: 'visitor_touches_mv',
  view: 'visitor_touches',
} as const;

/**
 * Length of the sort key in front of each stored touch: its time as 24-character ISO-8601 UTC,
 * then a 16-digit write stamp (µs) and an 8-character writer id, which only break ties.
 */
export const TOUCH_KEY_CHARS = 48;
/** An absent first touch: sorts after every key, so `min` skips it. */
export const NO_FIRST_TOUCH = '~';

/**
 * Point reads read whole granules: 256 rows instead of the default 8192 keeps a lookup to a few
 * kilobytes per column; the primary index (one key per 256 visitors) still fits in memory.
 */
const INDEX_GRANULARITY = 256;

const q = quoteIdent;
const STORE_COLUMNS = [
  'visitor_id String',
  'first AggregateFunction(min, String)',
  'last AggregateFunction(max, String)',
  'session AggregateFunction(max, String)',
  'seen AggregateFunction(max, String)',
];
const FACT_COLUMNS = ['visitor_id String', 'first String', 'last String', 'session String', 'seen String'];

const mvSelect = (db: string, facts: string) =>
  `SELECT visitor_id, minState(first) AS first, maxState(last) AS last, maxState(session) AS session, maxState(seen) AS seen\nFROM ${db}.${q(facts)}\nGROUP BY visitor_id`;

/** The store's tables on one server (migration 3). */
export function touchTableStatements(database: string): string[] {
  const db = q(database);
  return [
    `CREATE TABLE IF NOT EXISTS ${db}.${q(TOUCH_TABLES.facts)} (\n  ${FACT_COLUMNS.join(',\n  ')}\n)\nENGINE = Null`,
    `CREATE TABLE IF NOT EXISTS ${db}.${q(TOUCH_TABLES.store)} (\n  ${STORE_COLUMNS.join(',\n  ')}\n)\nENGINE = AggregatingMergeTree()\nORDER BY visitor_id\nSETTINGS index_granularity = ${INDEX_GRANULARITY}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${q(TOUCH_TABLES.mv)} TO ${db}.${q(TOUCH_TABLES.store)} AS\n${mvSelect(db, TOUCH_TABLES.facts)}`,
  ];
}

/**
 * The same on a cluster, sharded by visitor: collectors insert into the Distributed
 * `visitor_touch_facts`, each shard's materialized view aggregates into its
 * `visitor_touches_store_local` (replicated), and reads go through the Distributed
 * `visitor_touches_store`.
 */
export function touchClusterStatements(database: string, cluster: string): string[] {
  const db = q(database);
  const on = `ON CLUSTER ${q(cluster)}`;
  const factsLocal = `${TOUCH_TABLES.facts}_local`;
  const storeLocal = `${TOUCH_TABLES.store}_local`;
  const distributed = (name: string, local: string) =>
    `CREATE TABLE IF NOT EXISTS ${db}.${q(name)} ${on} AS ${db}.${q(local)}\nENGINE = Distributed(${q(cluster)}, ${db}, ${q(local)}, cityHash64(visitor_id))`;
  return [
    `CREATE TABLE IF NOT EXISTS ${db}.${q(factsLocal)} ${on} (\n  ${FACT_COLUMNS.join(',\n  ')}\n)\nENGINE = Null`,
    distributed(TOUCH_TABLES.facts, factsLocal),
    `CREATE TABLE IF NOT EXISTS ${db}.${q(storeLocal)} ${on} (\n  ${STORE_COLUMNS.join(',\n  ')}\n)\n` +
      `ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/${database}/${storeLocal}', '{replica}')\nORDER BY visitor_id\nSETTINGS index_granularity = ${INDEX_GRANULARITY}`,
    distributed(TOUCH_TABLES.store, storeLocal),
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${q(TOUCH_TABLES.mv)} ${on} TO ${db}.${q(storeLocal)} AS\n${mvSelect(db, factsLocal)}`,
  ];
}

const decoded = (agg: string) => `nullIf(substring(${agg}, ${TOUCH_KEY_CHARS + 1}), '')`;

/** The `visitor_touches` view: one row per visitor, touches as JSON text, keys stripped. */
export function touchViewQuery(database: string): [string, string, readonly string[]] {
  return [
    TOUCH_TABLES.view,
    `SELECT visitor_id, ${decoded('minMerge(first)')} AS first, ${decoded('maxMerge(last)')} AS last, ` +
      `${decoded('maxMerge(session)')} AS session, nullIf(maxMerge(seen), '') AS seen ` +
      `FROM ${q(database)}.${q(TOUCH_TABLES.store)} GROUP BY visitor_id`,
    ['visitor_id', 'first', 'last', 'session', 'seen'],
  ];
}

/** A statement of the touch store: SQL with `$name` placeholders and their values. */
export type TouchSql = Statement;

/** Each visitor's merged facts, still encoded: a lookup by the primary key (visitor ids are bound). */
export function touchReadSql(database: string, visitorIds: readonly string[]): TouchSql {
  const params: Record<string, SqlValue> = {};
  visitorIds.forEach((id, i) => (params[`v${i}`] = id));
  return {
    sql:
      `SELECT visitor_id, minMerge(first), maxMerge(last), maxMerge(session), maxMerge(seen) ` +
      `FROM ${q(database)}.${q(TOUCH_TABLES.store)} WHERE visitor_id IN (${visitorIds.map((_, i) => `$v${i}`).join(', ')}) GROUP BY visitor_id`,
    params,
  };
}

const expired = (database: string) =>
  `SELECT visitor_id FROM ${q(database)}.${q(TOUCH_TABLES.store)} GROUP BY visitor_id HAVING maxMerge(seen) < $before`;

/** How many visitors were last seen before `before` (or never). */
export function touchExpiredCountSql(database: string, before: string): TouchSql {
  return { sql: `SELECT count() FROM (${expired(database)})`, params: { before } };
}

/**
 * Deletes those visitors: a mutation (`ALTER … DELETE`, 18.16 has no TTL and no lightweight
 * DELETE). It runs in the background; the store waits for it in `system.mutations`.
 */
export function touchPruneSql(database: string, before: string): TouchSql {
  return { sql: `ALTER TABLE ${q(database)}.${q(TOUCH_TABLES.store)} DELETE WHERE visitor_id IN (${expired(database)})`, params: { before } };
}
