import { createHash } from 'node:crypto';
import { PATH_ROWS_ORDER } from './paths-sql.js';
import type { SqlParams, SqlValue, Warehouse } from '../warehouse/warehouse.js';

/** Bumped when what a stored row holds changes: every stored key is then recomputed. */
export const STORED_PATHS_VERSION = 3;

/** At most this many filter combinations are kept; the least recently read goes first. */
export const STORED_PATHS_MAX_KEYS = 16;

const PATHS = 'attribution_stored_paths';
const STATE = 'attribution_stored_paths_state';

const DDL = [
  `CREATE TABLE IF NOT EXISTS ${PATHS} (key VARCHAR NOT NULL, kind VARCHAR, path VARCHAR[], conversions BIGINT, value DOUBLE, nulls BIGINT, days BIGINT, packed VARCHAR)`,
  // The statement and its parameters, so a scheduled refresh can recompute a key without a request.
  `CREATE TABLE IF NOT EXISTS ${STATE} (key VARCHAR NOT NULL, version INTEGER NOT NULL, events BIGINT, watermark TIMESTAMPTZ, read_at TIMESTAMPTZ, statement VARCHAR, params VARCHAR)`,
];

/** Where a run's paths came from, for the page to say. */
export type PathsSource = { readonly from: 'stored'; readonly asOf: string } | { readonly from: 'computed'; readonly reason: string };

type Rows = AsyncIterable<Record<string, unknown>[]>;

/**
 * The DuckDB paths statement's rows (aggregated paths, days to convert, time decay's packed
 * rows: see `duckdbPathsSql`), kept in a table per statement and parameters — so per conversion
 * definitions, lookback, level, reset, date range, channel rules and sessions relation, since all
 * of them are in its text or parameters. A page view with the same filters then reads a few
 * thousand stored rows instead of building a million paths from the sessions.
 *
 * The rows hold the statement's exact output, so the models run over them give what
 * `touchline attribute` gives over the same events. They are current while the events are
 * (their count and latest `received_at` unchanged: a load adds rows, a privacy deletion removes
 * some); otherwise they are deleted and recomputed on the next read, or by `refreshStale` on the
 * server's schedule.
 */
export interface StoredPaths {
  /** The rows of `sql` with `params`: stored ones when current, else computed now, stored, then read. */
  rows(sql: string, params: SqlParams): Promise<{ rows: Rows; source: PathsSource }>;
  /** Recomputes every stored key whose events changed (the server calls it on a schedule). */
  refreshStale(): Promise<number>;
  /** Drops every stored row (a rebuild of the sessions or identity, a privacy deletion). */
  clear(): Promise<void>;
}

/** The key of a statement and its parameters (`$…` values), and of this version of the rows. */
export function pathsKey(sql: string, params: SqlParams): string {
  const sorted = Object.keys(params).sort().map((k) => [k, params[k]]);
  return createHash('sha1').update(`${STORED_PATHS_VERSION}\n${sql}\n${paramsJson(sorted)}`).digest('hex');
}

/** JSON of bound values; a bigint as its digits (the bound model's values are strings and numbers). */
function paramsJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
}

interface EventsMark {
  readonly events: number;
  readonly watermark: string | null;
}

async function eventsMark(w: Warehouse): Promise<EventsMark> {
  const r = await w.query(`SELECT count(*), CAST(max(received_at) AS VARCHAR) FROM events`);
  const [events, watermark] = r.rows[0] ?? [];
  return { events: Number(events ?? 0), watermark: watermark == null ? null : String(watermark) };
}

export function createStoredPaths(w: Warehouse, now: () => Date = () => new Date()): StoredPaths {
  let ready: Promise<void> | null = null;
  // Created once per process; a failure is forgotten so the next view tries again.
  const ensure = () =>
    (ready ??= (async () => {
      for (const s of DDL) await w.query(s, { readOnly: false });
    })().catch((err: unknown) => {
      ready = null;
      throw err;
    }));
  // One computation per key at a time: a second viewer of the same filters waits for the first.
  const building = new Map<string, Promise<void>>();

  const compute = (key: string, sql: string, params: SqlParams) => {
    const running = building.get(key);
    if (running) return running;
    const p = storeKey(w, key, sql, params, now).finally(() => building.delete(key));
    building.set(key, p);
    return p;
  };

  return {
    async rows(sql, params) {
      await ensure();
      const key = pathsKey(sql, params);
      const [state, mark] = await Promise.all([readState(w, key), eventsMark(w)]);
      let source: PathsSource;
      if (state && state.version === STORED_PATHS_VERSION && state.events === mark.events && state.watermark === mark.watermark) {
        source = { from: 'stored', asOf: state.watermark ?? '' };
      } else {
        await compute(key, sql, params);
        source = { from: 'computed', reason: state ? 'the events changed since these paths were stored' : 'no paths were stored for these filters yet' };
      }
      await w.query(`UPDATE ${STATE} SET read_at = CAST($tl_now AS TIMESTAMPTZ) WHERE key = $tl_key`, { readOnly: false, params: { tl_key: key, tl_now: now().toISOString() } });
      return { rows: w.stream(`SELECT kind, path, conversions, value, nulls, days, packed FROM ${PATHS} WHERE key = $tl_key ORDER BY ${PATH_ROWS_ORDER}`, { params: { tl_key: key } }), source };
    },
    async refreshStale() {
      await ensure();
      const mark = await eventsMark(w);
      const all = await w.query(`SELECT key, statement, params, version, events, CAST(watermark AS VARCHAR) FROM ${STATE}`);
      let refreshed = 0;
      for (const [key, sql, params, version, events, watermark] of all.rows) {
        if (Number(version) === STORED_PATHS_VERSION && Number(events) === mark.events && (watermark == null ? null : String(watermark)) === mark.watermark) continue;
        await compute(String(key), String(sql), JSON.parse(String(params)) as Record<string, SqlValue>);
        refreshed++;
      }
      return refreshed;
    },
    async clear() {
      await ensure();
      await w.transaction(async (tx) => {
        await tx.run(`DELETE FROM ${PATHS}`);
        await tx.run(`DELETE FROM ${STATE}`);
      });
    },
  };
}

/** The key's rows replaced by the statement's, in one transaction with the state (no half-written key is ever read). */
async function storeKey(w: Warehouse, key: string, sql: string, params: SqlParams, now: () => Date): Promise<void> {
  const mark = await eventsMark(w);
  await w.transaction(async (tx) => {
    await tx.run(`DELETE FROM ${PATHS} WHERE key = $tl_key`, { tl_key: key });
    await tx.run(`DELETE FROM ${STATE} WHERE key = $tl_key`, { tl_key: key });
    await tx.run(`INSERT INTO ${PATHS} SELECT $tl_key, kind, path, conversions, value, nulls, days, packed FROM (${sql})`, { ...params, tl_key: key });
    await tx.run(`INSERT INTO ${STATE} VALUES ($tl_key, ${STORED_PATHS_VERSION}, $tl_events, CAST($tl_watermark AS TIMESTAMPTZ), CAST($tl_now AS TIMESTAMPTZ), $tl_sql, $tl_params)`, {
      tl_key: key, tl_events: mark.events, tl_watermark: mark.watermark, tl_now: now().toISOString(), tl_sql: sql, tl_params: paramsJson(params),
    });
    await evictBeyond(tx, STORED_PATHS_MAX_KEYS);
  });
}

async function readState(w: Warehouse, key: string): Promise<{ version: number; events: number; watermark: string | null } | null> {
  const r = await w.query(`SELECT version, events, CAST(watermark AS VARCHAR) FROM ${STATE} WHERE key = $tl_key`, { params: { tl_key: key } });
  const row = r.rows[0];
  if (!row) return null;
  return { version: Number(row[0]), events: Number(row[1]), watermark: row[2] == null ? null : String(row[2]) };
}

/** Keeps the `max` most recently read keys: a page's filter combinations, not every one ever tried. */
async function evictBeyond(tx: { run(sql: string, params?: SqlParams): Promise<unknown> }, max: number): Promise<void> {
  const old = `SELECT key FROM ${STATE} ORDER BY read_at DESC NULLS LAST OFFSET ${max}`;
  await tx.run(`DELETE FROM ${PATHS} WHERE key IN (${old})`);
  await tx.run(`DELETE FROM ${STATE} WHERE key IN (${old})`);
}

/**
 * Recomputes stale stored paths every `everyMs` (one pass at a time), off the loader's path: a
 * recomputation builds every path of a filter combination (tens of seconds on 10 million events),
 * which inside the loader's transaction would hold back every load. Returns the stop function.
 */
export function scheduleStoredPathsRefresh(paths: StoredPaths, log: (msg: string, fields?: Record<string, unknown>) => void, everyMs = 60_000): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    paths
      .refreshStale()
      .catch((err: unknown) => log('could not refresh the stored attribution paths; a page view computes them instead', { error: (err as Error).message }))
      .finally(() => (running = false));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
