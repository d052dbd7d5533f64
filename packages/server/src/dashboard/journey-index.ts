import type { ModelSql } from '../identity/model-views.js';
import type { WarehouseTransaction } from '../warehouse/warehouse.js';

/**
 * The Journeys page's lookup table (DuckDB): every event once per id it can be found by — its
 * anonymous id, its user id, and an identify's `traits.email` — with the columns the page shows
 * and the conversions need, kept sorted by that key when rebuilt and indexed (ART). Finding a
 * person then reads a few index entries instead of scanning `events` (6 s on 10M events before;
 * docs/dashboard.md has the figures). It is derived data, rebuilt from `events` with the rollups
 * and refreshed in the same transaction after each load (the rollups' `received_at` watermark).
 */
export const JOURNEY_TABLE = 'dashboard_journey_events';

/** The event columns copied: what the page shows, and what `conversionsSql` reads. */
const COLUMNS = ['timestamp', 'received_at', 'type', 'event', 'name', 'path', 'anonymous_id', 'user_id', 'device_type', 'browser', 'library_name', 'message_id', 'source_id'] as const;

const CREATE = `CREATE TABLE IF NOT EXISTS ${JOURNEY_TABLE} (
  key VARCHAR NOT NULL, key_kind VARCHAR NOT NULL, "timestamp" TIMESTAMPTZ, received_at TIMESTAMPTZ, type VARCHAR, event VARCHAR,
  name VARCHAR, path VARCHAR, anonymous_id VARCHAR, user_id VARCHAR, device_type VARCHAR, browser VARCHAR, library_name VARCHAR,
  message_id VARCHAR, source_id VARCHAR, properties JSON, email VARCHAR)`;
const INDEX = `CREATE INDEX IF NOT EXISTS ${JOURNEY_TABLE}_key ON ${JOURNEY_TABLE} (key)`;

/**
 * The columns a journey finds rows by in the derived and raw tables: indexes the page needs, not
 * part of those tables' meaning (DROP INDEX loses nothing but speed). Kept by DuckDB through every
 * delete and insert the loader and the sessions refresh make, so they are never stale.
 */
const LOOKUP_INDEXES: readonly [string, string][] = [
  ['touch_sessions', 'device_id'],
  ['touch_sessions', 'user_id'],
  ['identities', 'anonymous_id'],
  ['identities', 'user_id'],
  ['identities', 'previous_id'],
];

/** The table, its index, and the indexes on the tables a journey reads (idempotent). */
export const JOURNEY_DDL: readonly string[] = [
  CREATE,
  INDEX,
  ...LOOKUP_INDEXES.map(([t, c]) => `CREATE INDEX IF NOT EXISTS dashboard_${t}_${c} ON ${t} (${c})`),
];

/**
 * The rows of `table` where any of `cols` is in `inList` (bound values), each once: one indexed
 * read per column (an OR across columns would scan the table), then one row per rowid (stable
 * within a statement), so a row matching twice is kept once, as the OR would.
 */
export function anyColumnIn(table: string, cols: readonly string[], inList: string): string {
  const reads = cols.map((c) => `SELECT rowid AS _rid, * FROM ${table} WHERE ${c} IN (${inList})`);
  // MATERIALIZED: planned alone. Inlined under the channel rules' CASE, DuckDB scanned the whole table.
  return `(WITH _m AS MATERIALIZED (SELECT DISTINCT ON (_rid) * FROM (${reads.join('\nUNION ALL ')})) SELECT * EXCLUDE (_rid) FROM _m)`;
}

/**
 * Rows for the events `where` keeps, one per key, sorted by key (so a rebuilt table's row groups
 * each hold a narrow key range too). Only a `track`'s properties are kept (conversion values);
 * only an identify's e-mail.
 */
function fillSql(m: ModelSql, where: string): string {
  const email = m.rules.fns.jsonText('traits', 'email');
  const cols = COLUMNS.map((c) => `"${c}"`).join(', ');
  return `INSERT INTO ${JOURNEY_TABLE}
WITH e AS (
  SELECT ${cols}, CASE WHEN type = 'track' THEN properties END AS properties, CASE WHEN type = 'identify' THEN ${email} END AS email
  FROM events WHERE ${where}
)
SELECT * FROM (
  SELECT anonymous_id AS key, 'anonymous' AS key_kind, * FROM e
  UNION ALL SELECT user_id, 'user', * FROM e
  UNION ALL SELECT email, 'email', * FROM e
) AS k WHERE key IS NOT NULL AND key <> '' ORDER BY key`;
}

/** From scratch: the table dropped with its index, filled in key order, then indexed (faster than growing the index row by row). */
export async function rebuildJourneyIndex(tx: WarehouseTransaction, m: ModelSql): Promise<void> {
  await tx.run(`DROP TABLE IF EXISTS ${JOURNEY_TABLE}`);
  await tx.run(CREATE);
  await tx.run(fillSql(m, '"timestamp" IS NOT NULL'));
  await tx.run(INDEX);
}

/**
 * After a load: the rows of events received at or after the watermark are replaced (a later
 * load may share the watermark's millisecond; replacing keeps each event's rows once).
 * `since` is an SQL expression of the watermark.
 */
export async function refreshJourneyIndex(tx: WarehouseTransaction, m: ModelSql, since: string): Promise<void> {
  await tx.run(`DELETE FROM ${JOURNEY_TABLE} WHERE received_at >= ${since}`);
  await tx.run(fillSql(m, `"timestamp" IS NOT NULL AND received_at >= ${since}`));
}

/**
 * A person's events from the lookup table, each once, as a CTE named `events` that shadows the
 * table for the statement it prefixes: an event is read through its anonymous id when that is one
 * of the person's ids, else through its user id. `inIds` is the bound list of the person's ids.
 */
export function personEventsCte(inIds: string): string {
  const cols = [...COLUMNS.map((c) => `"${c}"`), 'properties', 'email'].join(', ');
  // The key lookup alone first: with the kind test in the same WHERE, DuckDB left the index unused.
  return `WITH keyed AS MATERIALIZED (SELECT * FROM ${JOURNEY_TABLE} WHERE key IN (${inIds})),
events AS (
  SELECT ${cols} FROM keyed
  WHERE key_kind = 'anonymous' OR (key_kind = 'user' AND (anonymous_id IS NULL OR anonymous_id NOT IN (${inIds})))
)`;
}
