import { createHash } from 'node:crypto';
import { bindModel } from '../identity/bound-model.js';
import { conversionsSql } from '../identity/conversions-sql.js';
import type { ModelSql } from '../identity/model-views.js';
import type { SqlParams, Warehouse, WarehouseTransaction } from '../warehouse/warehouse.js';
import { JOURNEY_DDL, JOURNEY_TABLE, rebuildJourneyIndex, refreshJourneyIndex } from './journey-index.js';
import { daySql } from './overview-sql.js';
import { ensureTouchLabels, labelTouches, TOUCH_LABELS_DDL, TOUCH_LABELS_TABLE } from './touch-labels.js';
import { insertVisitorDaysSql, noteVisitorsOfDays, relinkVisitorDays, VISITOR_DAYS_DDL } from './visitor-days.js';

/** Bumped when what a rollup row holds changes: the tables are then rebuilt once. */
export const ROLLUP_VERSION = 5;

/**
 * The Overview's daily rollups (DuckDB): events per day × type × library, the distinct
 * (day, anonymous id) pairs (each with the
 * id's previous day, so distinct visitors are counted without a DISTINCT: visitor-days.ts), sessions with UTMs / click ids / any touch by their start day, and conversions, revenue and attributable conversions per day under
 * the configured definitions (rebuilt when they change) — so no Overview tile scans the events. Kept up to date as the loader
 * commits: after each load, the days of every event received since the last refresh are
 * recomputed whole from `events` (a crash or a failed refresh only delays them: the watermark has
 * not moved). The Journeys page's lookup table (journey-index.ts) and touch labels (touch-labels.ts) are rebuilt and refreshed with them,
 * under the same watermark. On ClickHouse there are none: it reads the events.
 */
export interface DashboardRollups {
  /** Whether the Overview reads the rollups (DuckDB) or the events (ClickHouse). */
  readonly enabled: boolean;
  /**
   * Creates the tables; rebuilds them when they are new or of another version, or when `force`
   * (the stored sessions were just rebuilt: the session rollup follows them).
   */
  ensure(force?: boolean): Promise<void>;
  /** After a load: recomputes the days of the events received since the last refresh. Never throws. */
  afterLoad(): Promise<void>;
}

const TABLES = [
  `CREATE TABLE IF NOT EXISTS dashboard_event_days (day BIGINT NOT NULL, type VARCHAR, library VARCHAR, events BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS dashboard_visitor_days (day BIGINT NOT NULL, anonymous_id VARCHAR NOT NULL, prev_day BIGINT)`,
  VISITOR_DAYS_DDL,
  `CREATE TABLE IF NOT EXISTS dashboard_conversion_days (day BIGINT NOT NULL, conversions BIGINT NOT NULL, revenue DOUBLE NOT NULL, attributable BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS dashboard_session_days (day BIGINT NOT NULL, sessions BIGINT NOT NULL, with_utm BIGINT NOT NULL, with_click_id BIGINT NOT NULL, with_touch BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS dashboard_rollup_state (version INTEGER NOT NULL, watermark TIMESTAMPTZ, conversions VARCHAR)`,
];

/** What the conversion rollup was computed with: another definition means a rebuild. */
export function conversionsFingerprint(m: ModelSql): string {
  return createHash('sha1').update(JSON.stringify(m.conversions)).digest('hex');
}

/**
 * The rollup rows of the events that `where` keeps (a condition on `"timestamp"`), as INSERT …
 * SELECT statements with their parameters. A conversion is attributable when the collector
 * stamped a first touch on it (its visitor had a marketing touch before it).
 */
function fill(w: Warehouse, m: ModelSql, where: string): { sql: string; params?: SqlParams }[] {
  const day = daySql(w.dialect, '"timestamp"');
  const { model, params } = bindModel(m);
  const c = conversionsSql(model.rules, model.conversions);
  return [
    { sql: `INSERT INTO dashboard_event_days SELECT ${day} AS day, type, library_name, count(*) FROM events WHERE ${where} GROUP BY ALL` },
    {
      // Sessions by the day they started (the stored sessions are refreshed before the rollups).
      sql: `INSERT INTO dashboard_session_days
SELECT ${daySql(w.dialect, 'started_at')} AS day, count(*), ${w.dialect.countIf(`(${['utm_source', 'utm_medium', 'utm_campaign'].map((c) => w.dialect.present(c)).join(' OR ')})`)}, ${w.dialect.countIf(w.dialect.present('click_id'))}, count(*) FILTER (WHERE kind <> 'direct')
FROM touch_sessions WHERE ${where.replaceAll('"timestamp"', 'started_at')} GROUP BY ALL`,
    },
    { sql: insertVisitorDaysSql(`SELECT DISTINCT ${day} AS day, anonymous_id FROM events WHERE anonymous_id IS NOT NULL AND ${where}`) },
    {
      sql: `INSERT INTO dashboard_conversion_days
SELECT ${daySql(w.dialect, 'e."timestamp"')} AS day, count(*), coalesce(sum(c.value), 0), count(*) FILTER (WHERE e.first_touch_at IS NOT NULL AND e.first_touch_at <= e."timestamp")
FROM (SELECT * FROM (${c}) AS c0 WHERE ${where.replaceAll('"timestamp"', 'converted_at')}) AS c
JOIN (SELECT message_id, source_id, "timestamp", first_touch_at FROM events WHERE type = 'track' AND ${where}) AS e ON e.message_id = c.message_id AND e.source_id = c.source_id
GROUP BY ALL`,
      params,
    },
  ];
}

/**
 * After a load, in one transaction: the days of the events received since the watermark
 * recomputed whole, the visitors of those days relinked, new landings labelled, the journey rows
 * of those events replaced, and the watermark moved.
 */
async function refreshDirtyDays(tx: WarehouseTransaction, w: Warehouse, m: ModelSql): Promise<void> {
  const day = daySql(w.dialect, '"timestamp"');
  // Days of the events received since the watermark (>=: a later load may share its millisecond).
  const since = `received_at >= coalesce((SELECT watermark FROM dashboard_rollup_state), TIMESTAMPTZ '1970-01-01')`;
  await tx.run(`CREATE TEMP TABLE IF NOT EXISTS dashboard_dirty_days (day BIGINT)`);
  await tx.run(`DELETE FROM dashboard_dirty_days`);
  await tx.run(`INSERT INTO dashboard_dirty_days SELECT DISTINCT ${day} FROM events WHERE ${since}`);
  await noteVisitorsOfDays(tx, 'dashboard_dirty_days');
  await tx.run(`DELETE FROM dashboard_event_days WHERE day IN (SELECT day FROM dashboard_dirty_days)`);
  await tx.run(`DELETE FROM dashboard_visitor_days WHERE day IN (SELECT day FROM dashboard_dirty_days)`);
  await tx.run(`DELETE FROM dashboard_conversion_days WHERE day IN (SELECT day FROM dashboard_dirty_days)`);
  await tx.run(`DELETE FROM dashboard_session_days WHERE day IN (SELECT day FROM dashboard_dirty_days)`);
  // The day range first, so DuckDB skips row groups outside it; then the exact days.
  const where = `"timestamp" >= (SELECT to_timestamp(min(day) * 86400) FROM dashboard_dirty_days)
  AND "timestamp" < (SELECT to_timestamp((max(day) + 1) * 86400) FROM dashboard_dirty_days)
  AND ${day} IN (SELECT day FROM dashboard_dirty_days)`;
  for (const s of fill(w, m, where)) await tx.run(s.sql, s.params);
  await noteVisitorsOfDays(tx, 'dashboard_dirty_days');
  await relinkVisitorDays(tx, 'dashboard_dirty_days');
  await labelTouches(tx, m, where.replaceAll('"timestamp"', 'started_at'));
  await refreshJourneyIndex(tx, m, `coalesce((SELECT watermark FROM dashboard_rollup_state), TIMESTAMPTZ '1970-01-01')`);
  await tx.run(`UPDATE dashboard_rollup_state SET watermark = (SELECT max(received_at) FROM events)`);
}

export function createRollups(w: Warehouse, m: ModelSql, log: (msg: string, fields?: Record<string, unknown>) => void = () => undefined): DashboardRollups {
  if (w.engine !== 'duckdb') return { enabled: false, ensure: async () => undefined, afterLoad: async () => undefined };
  const rebuild = () =>
    w.transaction(async (tx) => {
      for (const t of ['dashboard_event_days', 'dashboard_visitor_days', 'dashboard_conversion_days', 'dashboard_session_days', 'dashboard_rollup_state']) await tx.run(`DELETE FROM ${t}`);
      for (const s of fill(w, m, '"timestamp" IS NOT NULL')) await tx.run(s.sql, s.params);
      await rebuildJourneyIndex(tx, m);
      await tx.run(`DELETE FROM ${TOUCH_LABELS_TABLE}`);
      await labelTouches(tx, m, 'TRUE');
      await tx.run(`INSERT INTO dashboard_rollup_state SELECT ${ROLLUP_VERSION}, max(received_at), $fingerprint FROM events`, { fingerprint: conversionsFingerprint(m) });
    });
  return {
    enabled: true,
    async ensure(force = false) {
      // A lost lookup table (dropped by hand, or from before it existed) means a rebuild, not an empty page.
      const journey = await w.query(`SELECT count(*) FROM information_schema.tables WHERE table_name = '${JOURNEY_TABLE}'`);
      const journeyLost = Number(journey.rows[0]?.[0]) === 0;
      for (const t of [...TABLES, ...JOURNEY_DDL, TOUCH_LABELS_DDL]) await w.query(t, { readOnly: false });
      // A state table from before it had every column: drop it, the rebuild below writes a new one.
      const columns = await w.query(`SELECT count(*) FROM information_schema.columns WHERE table_name = 'dashboard_rollup_state'`);
      if (Number(columns.rows[0]?.[0]) !== 3) {
        await w.query('DROP TABLE dashboard_rollup_state', { readOnly: false });
        await w.query(TABLES[TABLES.length - 1]!, { readOnly: false });
      }
      const state = await w.query('SELECT version, conversions FROM dashboard_rollup_state');
      const [version, fingerprint] = state.rows[0] ?? [];
      if (force || journeyLost || Number(version ?? -1) !== ROLLUP_VERSION || fingerprint !== conversionsFingerprint(m)) await rebuild();
      // Labels of other rules (a changed config) are replaced; a rebuild above already labelled these.
      await ensureTouchLabels(w, m);
    },
    async afterLoad() {
      try {
        await w.transaction((tx) => refreshDirtyDays(tx, w, m));
      } catch (err) {
        log('dashboard rollup refresh failed; the next load retries the same days', { error: (err as Error).message });
      }
    },
  };
}

/** The warehouse as the loader sees it: each successful load is followed by the rollups' refresh. */
export function withRollupRefresh(warehouse: Warehouse, rollups: DashboardRollups): Warehouse {
  if (!rollups.enabled) return warehouse;
  return new Proxy(warehouse, {
    get(target, key, receiver) {
      if (key === 'load') {
        return async (batch: Parameters<Warehouse['load']>[0]) => {
          const result = await target.load(batch);
          await rollups.afterLoad();
          return result;
        };
      }
      const v = Reflect.get(target, key, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
