import type { WarehouseTransaction } from '../warehouse/warehouse.js';

/**
 * The Overview's distinct visitors (DuckDB), kept countable without a DISTINCT: each
 * `dashboard_visitor_days` row (a day an anonymous id was seen) also holds `prev_day`, the day that
 * id was seen before it (NULL on its first). A visitor seen in the days [a, b) has exactly one row
 * there whose previous day is before a (or none), so
 * `count(*) WHERE day >= a AND day < b AND (prev_day IS NULL OR prev_day < a)` is the distinct
 * count. A `count(DISTINCT anonymous_id)` over the 2.5 million rows of 10M events hashed every id
 * (1.6–4 s on the first view after a start); this reads two integer columns.
 */
export const VISITOR_DAYS_TABLE = 'dashboard_visitor_days';

/** Adds `prev_day` to a table from before it had one (the version bump then rebuilds its rows). */
export const VISITOR_DAYS_DDL = `ALTER TABLE ${VISITOR_DAYS_TABLE} ADD COLUMN IF NOT EXISTS prev_day BIGINT`;

/**
 * The rows of the (day, anonymous id) pairs `pairs` selects, each with its previous day among
 * those pairs: right for a rebuild; after a refresh of some days, {@link relinkVisitorDays} then
 * fixes the rows whose previous day lies outside them.
 */
export function insertVisitorDaysSql(pairs: string): string {
  return `INSERT INTO ${VISITOR_DAYS_TABLE} (day, anonymous_id, prev_day)
SELECT day, anonymous_id, lag(day) OVER (PARTITION BY anonymous_id ORDER BY day) FROM (${pairs}) AS p ORDER BY day`;
}

/** The visitors of the days in `dayTable` (a table of `day`), gathered before and after their rows are replaced. */
export async function noteVisitorsOfDays(tx: WarehouseTransaction, dayTable: string): Promise<void> {
  await tx.run(`CREATE TEMP TABLE IF NOT EXISTS dashboard_dirty_visitors (anonymous_id VARCHAR)`);
  await tx.run(`INSERT INTO dashboard_dirty_visitors SELECT DISTINCT anonymous_id FROM ${VISITOR_DAYS_TABLE} WHERE day IN (SELECT day FROM ${dayTable})`);
}

/**
 * After the days in `dayTable` were replaced: the rows of the noted visitors from the first of
 * those days on get their previous day again, over all their days (a day imported between two
 * others changes the later one's; a row before every replaced day keeps its previous day). Only
 * rows whose value changes are written.
 */
export async function relinkVisitorDays(tx: WarehouseTransaction, dayTable: string): Promise<void> {
  // The lower bound lets DuckDB skip the row groups of older days (rows are appended by day) on the written side.
  const from = `(SELECT min(day) FROM ${dayTable})`;
  await tx.run(`UPDATE ${VISITOR_DAYS_TABLE} AS v SET prev_day = n.prev
FROM (
  SELECT * FROM (
    SELECT anonymous_id, day, lag(day) OVER (PARTITION BY anonymous_id ORDER BY day) AS prev FROM ${VISITOR_DAYS_TABLE}
    WHERE anonymous_id IN (SELECT anonymous_id FROM dashboard_dirty_visitors)
  ) WHERE day >= ${from}
) AS n
WHERE v.day >= ${from} AND v.anonymous_id = n.anonymous_id AND v.day = n.day AND v.prev_day IS DISTINCT FROM n.prev`);
  await tx.run(`DELETE FROM dashboard_dirty_visitors`);
}
