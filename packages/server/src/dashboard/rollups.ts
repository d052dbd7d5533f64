import type { Warehouse } from '../warehouse/warehouse.js';
import { daySql } from './overview-sql.js';

/** Bumped when what a rollup row holds changes: the tables are then rebuilt once. */
export const ROLLUP_VERSION = 1;

/**
 * The Overview's daily rollups (DuckDB): events per day × type × library, and the distinct
 * (day, anonymous id) pairs — so no Overview tile scans the events. Kept up to date as the loader
 * commits: after each load, the days of every event received since the last refresh are
 * recomputed whole from `events` (a crash or a failed refresh only delays them: the watermark has
 * not moved). On ClickHouse there are none: it reads the events.
 */
export interface DashboardRollups {
  /** Whether the Overview reads the rollups (DuckDB) or the events (ClickHouse). */
  readonly enabled: boolean;
  /** Creates the tables; rebuilds them when they are new or of another version. */
  ensure(): Promise<void>;
  /** After a load: recomputes the days of the events received since the last refresh. Never throws. */
  afterLoad(): Promise<void>;
}

const TABLES = [
  `CREATE TABLE IF NOT EXISTS dashboard_event_days (day BIGINT NOT NULL, type VARCHAR, library VARCHAR, events BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS dashboard_visitor_days (day BIGINT NOT NULL, anonymous_id VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS dashboard_rollup_state (version INTEGER NOT NULL, watermark TIMESTAMPTZ)`,
];

/** The rollup rows of the events whose day is in `days` (a subquery or list), as INSERT … SELECT. */
function fill(w: Warehouse, where: string): string[] {
  const day = daySql(w.dialect, '"timestamp"');
  return [
    `INSERT INTO dashboard_event_days SELECT ${day} AS day, type, library_name, count(*) FROM events WHERE ${where} GROUP BY ALL`,
    `INSERT INTO dashboard_visitor_days SELECT DISTINCT ${day} AS day, anonymous_id FROM events WHERE anonymous_id IS NOT NULL AND ${where}`,
  ];
}

export function createRollups(w: Warehouse, log: (msg: string, fields?: Record<string, unknown>) => void = () => undefined): DashboardRollups {
  if (w.engine !== 'duckdb') return { enabled: false, ensure: async () => undefined, afterLoad: async () => undefined };
  const day = daySql(w.dialect, '"timestamp"');
  const rebuild = () =>
    w.transaction(async (tx) => {
      for (const s of ['DELETE FROM dashboard_event_days', 'DELETE FROM dashboard_visitor_days', 'DELETE FROM dashboard_rollup_state', ...fill(w, 'true')]) await tx.run(s);
      await tx.run(`INSERT INTO dashboard_rollup_state SELECT ${ROLLUP_VERSION}, max(received_at) FROM events`);
    });
  return {
    enabled: true,
    async ensure() {
      for (const t of TABLES) await w.query(t, { readOnly: false });
      const state = await w.query('SELECT version FROM dashboard_rollup_state');
      if (Number(state.rows[0]?.[0] ?? -1) !== ROLLUP_VERSION) await rebuild();
    },
    async afterLoad() {
      try {
        await w.transaction(async (tx) => {
          // Days of the events received since the watermark (>=: a later load may share its millisecond).
          const since = `received_at >= coalesce((SELECT watermark FROM dashboard_rollup_state), TIMESTAMPTZ '1970-01-01')`;
          await tx.run(`CREATE TEMP TABLE IF NOT EXISTS dashboard_dirty_days (day BIGINT)`);
          await tx.run(`DELETE FROM dashboard_dirty_days`);
          await tx.run(`INSERT INTO dashboard_dirty_days SELECT DISTINCT ${day} FROM events WHERE ${since}`);
          await tx.run(`DELETE FROM dashboard_event_days WHERE day IN (SELECT day FROM dashboard_dirty_days)`);
          await tx.run(`DELETE FROM dashboard_visitor_days WHERE day IN (SELECT day FROM dashboard_dirty_days)`);
          // The day range first, so DuckDB skips row groups outside it; then the exact days.
          const where = `"timestamp" >= (SELECT to_timestamp(min(day) * 86400) FROM dashboard_dirty_days)
  AND "timestamp" < (SELECT to_timestamp((max(day) + 1) * 86400) FROM dashboard_dirty_days)
  AND ${day} IN (SELECT day FROM dashboard_dirty_days)`;
          for (const s of fill(w, where)) await tx.run(s);
          await tx.run(`UPDATE dashboard_rollup_state SET watermark = (SELECT max(received_at) FROM events)`);
        });
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
