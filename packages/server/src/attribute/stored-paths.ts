import { createHash } from 'node:crypto';
import { PATH_ROWS_ORDER } from './paths-sql.js';
import { appendedSince, DEVICES_TABLE, eventsMarkIn, JOURNEYS_DDL, JOURNEYS_TABLE, PATHS_TABLE, storeIncrement, storeWhole, type EventsMark, type PathsStatement } from './stored-journeys.js';
import type { SqlParams, SqlValue, Warehouse } from '../warehouse/warehouse.js';
import { DECAY_DDL, DECAY_TABLE, decayedRowsParams, decayedRowsSql, hasDecay, refreshDecay, storeDecay } from './stored-decay.js';
import type { DecaySettings } from './time-decay-rows.js';

export type { PathsStatement } from './stored-journeys.js';

/** Bumped when what a stored row holds changes: every stored key is then recomputed. */
export const STORED_PATHS_VERSION = 6;

/** At most this many filter combinations are kept; the least recently read goes first. */
export const STORED_PATHS_MAX_KEYS = 16;

const PATHS = PATHS_TABLE;
const STATE = 'attribution_stored_paths_state';

const DDL = [
  `CREATE TABLE IF NOT EXISTS ${PATHS} (key VARCHAR NOT NULL, kind VARCHAR, path VARCHAR[], conversions BIGINT, value DOUBLE, nulls BIGINT, days BIGINT, packed VARCHAR)`,
  // The statement (JSON of its stages) and its parameters, so a scheduled refresh can recompute a key without a request.
  `CREATE TABLE IF NOT EXISTS ${STATE} (key VARCHAR NOT NULL, version INTEGER NOT NULL, events BIGINT, watermark TIMESTAMPTZ, read_at TIMESTAMPTZ, statement VARCHAR, params VARCHAR)`,
  ...JOURNEYS_DDL,
  DECAY_DDL,
];

/** Where a run's paths came from, for the page to say. */
export type PathsSource =
  | { readonly from: 'stored'; readonly asOf: string }
  | { readonly from: 'updated'; readonly asOf: string; readonly persons: number }
  | { readonly from: 'computed'; readonly reason: string };

type Rows = AsyncIterable<Record<string, unknown>[]>;

/**
 * The DuckDB paths statement's rows (aggregated paths, days to convert, time decay's packed
 * rows: see `duckdbPathsSql`), kept in a table per statement and parameters — so per conversion
 * definitions, lookback, level, reset, date range, channel rules and sessions relation, since all
 * of them are in its text or parameters. A page view with the same filters then reads a few
 * thousand stored rows instead of building a million paths from the sessions.
 *
 * Beside the rows, each key keeps its journeys per person (stored-journeys.ts), and the rows are
 * aggregated from them by the statement's own second stage, so the models run over them give what
 * `touchline attribute` gives over the same events. They are current while the events are (their
 * count and latest `received_at` unchanged). After a load, only the persons the new events reach
 * are recomputed and the rows aggregated again; after any other change (a privacy deletion,
 * retention) the key is recomputed whole.
 */
export interface StoredPaths {
  /**
   * The rows of `s` with `params`: stored ones when current, else brought up to date (or computed),
   * stored, then read. With `decay` (`s` holding the packed rows), the rows the `PathRows.Decayed`
   * statement would return instead: time decay's credit per level value for those settings, kept
   * beside the key (stored-decay.ts), in place of its packed rows.
   */
  rows(s: PathsStatement, params: SqlParams, decay?: DecaySettings): Promise<{ rows: Rows; source: PathsSource }>;
  /** Brings stale stored keys up to date, the most recently read first, at most `max` of them. */
  refreshStale(max?: number): Promise<number>;
  /** Computes and stores `s` unless it is stored already (the page's default filters, after a load), with time decay's rows for `decay`. */
  prebuild(s: PathsStatement, params: SqlParams, decay?: DecaySettings): Promise<boolean>;
  /** Drops every stored row (a rebuild of the sessions or identity). */
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

interface KeyState extends EventsMark {
  readonly version: number;
}

const isCurrent = (state: KeyState | null, mark: EventsMark): boolean =>
  state !== null && state.version === STORED_PATHS_VERSION && state.events === mark.events && state.watermark === mark.watermark;

type Compute = (key: string, s: PathsStatement, params: SqlParams) => Promise<PathsSource>;

/** Brings up to `max` stale keys up to date, most recently read first; keys of another version are dropped. */
async function refreshStaleKeys(w: Warehouse, q: { serially: <T>(work: () => Promise<T>) => Promise<T>; compute: Compute }, max: number): Promise<number> {
  const mark = await eventsMarkIn({ run: (sql) => w.query(sql) });
  const all = await w.query(`SELECT key, statement, params, version, events, CAST(watermark AS VARCHAR) FROM ${STATE} ORDER BY read_at DESC NULLS LAST`);
  let refreshed = 0;
  for (const [key, statement, params, version, events, watermark] of all.rows) {
    if (refreshed >= max) break;
    // A key of another version is never read again (the version is in every key), and its statement may be of another form.
    if (Number(version) !== STORED_PATHS_VERSION) {
      await q.serially(() => dropKey(w, String(key)));
      continue;
    }
    if (isCurrent({ version: Number(version), events: Number(events), watermark: watermark == null ? null : String(watermark) }, mark)) continue;
    await q.compute(String(key), JSON.parse(String(statement)) as PathsStatement, JSON.parse(String(params)) as Record<string, SqlValue>);
    refreshed++;
  }
  return refreshed;
}

/** The stored tables, created once per process; a failure is forgotten so the next view tries again. */
function tablesOnce(w: Warehouse): () => Promise<void> {
  let ready: Promise<void> | null = null;
  return () =>
    (ready ??= (async () => {
      for (const s of DDL) await w.query(s, { readOnly: false });
    })().catch((err: unknown) => {
      ready = null;
      throw err;
    }));
}

/**
 * One write at a time (computations share the dirty-persons table, two at once would only halve
 * each other's speed, and a view's read mark written during a refresh of its key would conflict
 * with it).
 */
function serialQueue(): <T>(work: () => Promise<T>) => Promise<T> {
  let queue: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>): Promise<T> => {
    const p = queue.then(work);
    // The queue only orders writes: each caller gets its own failure through `p`.
    queue = p.catch(() => undefined);
    return p;
  };
}

export function createStoredPaths(w: Warehouse, now: () => Date = () => new Date()): StoredPaths {
  const ensure = tablesOnce(w);
  const serially = serialQueue();
  // A second viewer of the same filters waits for the first's computation.
  const building = new Map<string, Promise<PathsSource>>();
  const compute: Compute = (key, s, params) => {
    const running = building.get(key);
    if (running) return running;
    const p = serially(() => storeKey(w, key, s, params, now)).finally(() => building.delete(key));
    building.set(key, p);
    return p;
  };

  return {
    async rows(s, params, decay) {
      await ensure();
      const key = pathsKey(s.sql, params);
      const [state, mark] = await Promise.all([readState(w, key), eventsMarkIn({ run: (q) => w.query(q) })]);
      const source: PathsSource = isCurrent(state, mark) ? { from: 'stored', asOf: mark.watermark ?? '' } : await compute(key, s, params);
      await serially(() => w.query(`UPDATE ${STATE} SET read_at = CAST($tl_now AS TIMESTAMPTZ) WHERE key = $tl_key`, { readOnly: false, params: { tl_key: key, tl_now: now().toISOString() } }));
      if (decay) {
        await serially(() => ensureDecay(w, key, decay));
        return { rows: w.stream(decayedRowsSql(PATHS, PATH_ROWS_ORDER), { params: decayedRowsParams(key, decay) }), source };
      }
      return { rows: w.stream(`SELECT kind, path, conversions, value, nulls, days, packed FROM ${PATHS} WHERE key = $tl_key ORDER BY ${PATH_ROWS_ORDER}`, { params: { tl_key: key } }), source };
    },
    async refreshStale(max = Number.POSITIVE_INFINITY) {
      await ensure();
      return refreshStaleKeys(w, { serially, compute }, max);
    },
    async prebuild(s, params, decay) {
      await ensure();
      const key = pathsKey(s.sql, params);
      if (await readState(w, key)) return false;
      await compute(key, s, params);
      if (decay) await serially(() => ensureDecay(w, key, decay));
      return true;
    },
    async clear() {
      await ensure();
      await serially(() =>
        w.transaction(async (tx) => {
          for (const t of [PATHS, STATE, JOURNEYS_TABLE, DEVICES_TABLE, DECAY_TABLE]) await tx.run(`DELETE FROM ${t}`);
        }),
      );
    },
  };
}

/**
 * The key brought up to date in one transaction with its state (no half-written key is ever
 * read): only the persons the events received since its mark reach, when the events changed by
 * loads alone; else whole.
 */
async function storeKey(w: Warehouse, key: string, s: PathsStatement, params: SqlParams, now: () => Date): Promise<PathsSource> {
  return w.transaction(async (tx) => {
    const mark = await eventsMarkIn(tx);
    const prior = await tx.run(`SELECT version, events, CAST(watermark AS VARCHAR) FROM ${STATE} WHERE key = $tl_key`, { tl_key: key });
    const state = stateOf(prior.rows[0]);
    let source: PathsSource;
    if (isCurrent(state, mark)) {
      source = { from: 'stored', asOf: mark.watermark ?? '' };
    } else if (state && state.version === STORED_PATHS_VERSION && (await appendedSince(tx, state))) {
      const persons = await storeIncrement(tx, key, s, params, state);
      source = { from: 'updated', asOf: mark.watermark ?? '', persons };
    } else {
      await storeWhole(tx, key, s, params);
      source = { from: 'computed', reason: state ? 'the events changed since these paths were stored' : 'no paths were stored for these filters yet' };
    }
    // Time decay's rows follow the journeys they are summed from, in the same transaction.
    if (source.from !== 'stored') await refreshDecay(tx, key);
    await tx.run(`DELETE FROM ${STATE} WHERE key = $tl_key`, { tl_key: key });
    await tx.run(`INSERT INTO ${STATE} VALUES ($tl_key, ${STORED_PATHS_VERSION}, $tl_events, CAST($tl_watermark AS TIMESTAMPTZ), CAST($tl_now AS TIMESTAMPTZ), $tl_sql, $tl_params)`, {
      tl_key: key, tl_events: mark.events, tl_watermark: mark.watermark, tl_now: now().toISOString(), tl_sql: JSON.stringify(s), tl_params: paramsJson(params),
    });
    await evictBeyond(tx, STORED_PATHS_MAX_KEYS);
    return source;
  });
}

/** Time decay's rows of a current key for `decay`, computed from its journeys unless they are there. */
async function ensureDecay(w: Warehouse, key: string, decay: DecaySettings): Promise<void> {
  await w.transaction(async (tx) => {
    if (!(await hasDecay(tx, key, decay))) await storeDecay(tx, key, decay);
  });
}

async function dropKey(w: Warehouse, key: string): Promise<void> {
  await w.transaction(async (tx) => {
    for (const t of [PATHS, JOURNEYS_TABLE, DEVICES_TABLE, DECAY_TABLE, STATE]) await tx.run(`DELETE FROM ${t} WHERE key = $tl_key`, { tl_key: key });
  });
}

function stateOf(row: readonly unknown[] | undefined): KeyState | null {
  if (!row) return null;
  return { version: Number(row[0]), events: Number(row[1]), watermark: row[2] == null ? null : String(row[2]) };
}

async function readState(w: Warehouse, key: string): Promise<KeyState | null> {
  const r = await w.query(`SELECT version, events, CAST(watermark AS VARCHAR) FROM ${STATE} WHERE key = $tl_key`, { params: { tl_key: key } });
  return stateOf(r.rows[0]);
}

/** Keeps the `max` most recently read keys: a page's filter combinations, not every one ever tried. */
async function evictBeyond(tx: { run(sql: string, params?: SqlParams): Promise<unknown> }, max: number): Promise<void> {
  const old = `SELECT key FROM ${STATE} ORDER BY read_at DESC NULLS LAST OFFSET ${max}`;
  for (const t of [PATHS, JOURNEYS_TABLE, DEVICES_TABLE, DECAY_TABLE]) await tx.run(`DELETE FROM ${t} WHERE key IN (${old})`);
  await tx.run(`DELETE FROM ${STATE} WHERE key IN (${old})`);
}
