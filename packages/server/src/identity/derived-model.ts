import { CLICK_ID_REGISTRY_VERSION, DEFAULT_REFERRAL_EXCLUSIONS } from '@touchline/protocol';
import { createHash } from 'node:crypto';
import { compileUtmRules } from '../taxonomy/utm-rules.js';
import { channelRuleSet } from '../definitions/channel-rules.js';
import type { ModelSettings } from '../definitions/model-settings.js';
import { systemClock, type Clock } from '../clock/clock.js';
import { ColumnType } from '../warehouse/schema.js';
import { WarehouseEngine, type LoadBatch, type Warehouse, type WarehouseTransaction } from '../warehouse/warehouse.js';
import { aliasClosure, type AliasEdge } from './alias-closure.js';
import { bindModel } from './bound-model.js';
import { MODEL_VIEW_NAMES, modelViews, type ModelSql } from './model-views.js';
import { DUCKDB_SESSION_TYPES, SESSION_COLUMNS, duckdbSessionsSql } from './sessions-sql.js';
import { deviceKeySql, type TouchRules } from './touch-sql.js';

/**
 * Bumped when the session rules or what a sessions row holds change in code (not config): DuckDB
 * then rebuilds its `touch_sessions` table once.
 */
export const SESSIONS_VERSION = 1;

/** The touch rules and conversions of a configuration, for one warehouse. */
export function modelSqlFor(warehouse: Warehouse, config: ModelSettings): ModelSql {
  const a = config.attribution;
  const rules: TouchRules = {
    fns: warehouse.dialect,
    siteDomains: config.tracker.siteDomains,
    referralExclusions: config.tracker.referralExclusions ?? DEFAULT_REFERRAL_EXCLUSIONS,
    junkIds: a.identity.junkIds,
    clickIdPrecedence: a.clickIdPrecedence,
    sessionTimeoutMs: (a.sessions.timeoutMinutes ?? config.tracker.sessionTimeoutMinutes) * 60_000,
    channelRules: channelRuleSet(a),
    ...(a.utm ? { utm: compileUtmRules(a.utm) } : {}),
  };
  return { rules, conversions: a.conversions };
}

/** What the stored DuckDB sessions were computed with: a change means a rebuild. */
export function sessionsFingerprint(r: TouchRules): string {
  const facts = {
    v: SESSIONS_VERSION,
    registry: CLICK_ID_REGISTRY_VERSION,
    site: r.siteDomains,
    exclusions: r.referralExclusions,
    junk: r.junkIds,
    timeout: r.sessionTimeoutMs,
  };
  return createHash('sha1').update(JSON.stringify(facts)).digest('hex');
}

/** How the per-load refreshes went: failures are logged, counted here and shown in `status`. */
export interface DerivedModelStats {
  /** Refreshes after a load that failed since start (sessions then stay stale until a rebuild). */
  readonly refreshFailures: number;
  /** The latest failure, until a refresh succeeds. */
  readonly lastRefreshError: string | null;
  /** Whether DuckDB's stored sessions missed a refresh (read paths compute them on read meanwhile). */
  readonly sessionsStale: boolean;
}

export interface DerivedModel {
  readonly sql: ModelSql;
  /** Creates the derived tables, (re)creates the views, refreshes what is stale. Idempotent. */
  ensure(): Promise<{ sessionsRebuilt: boolean }>;
  /**
   * Right after a batch loaded (`loaded` events inserted): the alias closure if aliases changed,
   * and (DuckDB) the sessions of the batch's devices, which the warehouse recorded with the load
   * (when another load came in between, every session is rebuilt instead). Never throws: a failure
   * is logged, counted in `stats()`, and leaves the sessions marked stale (rebuilt at the next
   * start or refresh; read paths compute them on read meanwhile).
   */
  afterLoad(batch: LoadBatch, loaded: number): Promise<void>;
  /** Recomputes the alias closure when the alias links changed (or always, with `force`). */
  refreshAliases(force?: boolean): Promise<boolean>;
  /** DuckDB: recomputes every session. */
  rebuildSessions(): Promise<void>;
  /** DuckDB: whether the stored sessions match this configuration and the loaded events. Always true on ClickHouse (on read). */
  sessionsFresh(): Promise<boolean>;
  stats(): DerivedModelStats;
}

const ALIAS_COLUMNS = [
  { name: 'id', type: ColumnType.String },
  { name: 'root_id', type: ColumnType.String },
] as const;

type Log = (msg: string, fields?: Record<string, unknown>) => void;

/** What the derived model's steps share: the warehouse, its dialect, the clock, the log. */
interface ModelContext {
  readonly warehouse: Warehouse;
  readonly sql: ModelSql;
  readonly duck: boolean;
  readonly clock: Pick<Clock, 'now'>;
  readonly log: Log;
  write(text: string): Promise<unknown>;
  scalar(text: string): Promise<number>;
  quoteIdent(name: string): string;
}

async function createDerivedTables(c: ModelContext): Promise<void> {
  if (c.duck) {
    await c.write(`CREATE TABLE IF NOT EXISTS identity_aliases (id VARCHAR PRIMARY KEY, root_id VARCHAR NOT NULL)`);
    await c.write(`CREATE TABLE IF NOT EXISTS identity_state (key VARCHAR PRIMARY KEY, value VARCHAR)`);
    await c.write(
      `CREATE TABLE IF NOT EXISTS touch_sessions (${SESSION_COLUMNS.map((n) => `${c.quoteIdent(n)} ${DUCKDB_SESSION_TYPES[n]}`).join(', ')})`,
    );
    return;
  }
  await c.write(
    `CREATE TABLE IF NOT EXISTS identity_aliases_store (generation UInt64, id String, root_id String) ENGINE = MergeTree ORDER BY (generation, id)`,
  );
}

async function createDerivedViews(c: ModelContext): Promise<void> {
  const views = modelViews(c.sql);
  if (c.duck) {
    for (const [name, select] of views) await c.write(`CREATE OR REPLACE VIEW ${c.quoteIdent(name)} AS ${select}`);
    return;
  }
  // Views list their columns when created, and depend on each other: drop all, create in order.
  for (const name of MODEL_VIEW_NAMES) await c.write(`DROP TABLE IF EXISTS ${c.quoteIdent(name)}`);
  await c.write(`DROP TABLE IF EXISTS identity_aliases`);
  await c.write(
    `CREATE VIEW IF NOT EXISTS identity_aliases AS SELECT id, root_id FROM identity_aliases_store ` +
      `WHERE generation = (SELECT max(generation) FROM identity_aliases_store) AND id != ''`,
  );
  for (const [name, select] of views) await c.write(`CREATE VIEW IF NOT EXISTS ${c.quoteIdent(name)} AS ${select}`);
}

/** The closure's rows go in bulk (appender / JSONEachRow): ids are event data, never SQL text. */
async function writeAliases(c: ModelContext, closure: Map<string, string>): Promise<void> {
  const rows = [...closure.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (c.duck) {
    await c.warehouse.transaction(async (tx) => {
      await tx.run('DELETE FROM identity_aliases');
      await tx.insertRows('identity_aliases', ALIAS_COLUMNS, rows);
    });
    return;
  }
  // A new generation, then the view switches to it in one step; older ones are deleted after.
  const generation = c.clock.now();
  const all = [...rows, ['', ''] as [string, string]].map(([id, root]) => [generation, id, root] as const);
  await c.warehouse.insertRows('identity_aliases_store', [{ name: 'generation', type: ColumnType.Int }, ...ALIAS_COLUMNS], all);
  await c.warehouse
    .query(`ALTER TABLE identity_aliases_store DELETE WHERE generation < $generation`, { readOnly: false, params: { generation } })
    // Handled: readers take the newest generation only, so old ones are dead weight, not wrong answers.
    .catch((err: Error) => c.log('could not prune old alias generations (they are ignored anyway)', { error: err.message }));
}

/** The alias closure, recomputed when the count of alias links changed since the last time. */
function aliasRefresher(c: ModelContext): (force?: boolean) => Promise<boolean> {
  let aliasLinks = -1;
  return async (force = false) => {
    const links = await c.scalar(`SELECT count(*) FROM identities WHERE kind = 'alias'`);
    if (!force && links === aliasLinks) return false;
    const r = await c.warehouse.query(`SELECT previous_id, user_id FROM identities WHERE kind = 'alias'`);
    const edges: AliasEdge[] = r.rows.map(([p, u]) => ({ previousId: String(p ?? ''), userId: String(u ?? '') }));
    await writeAliases(c, aliasClosure(edges, c.sql.rules.junkIds));
    aliasLinks = links;
    return true;
  };
}

/** DuckDB's stored sessions: rebuilt whole, or refreshed for the devices of the latest load. */
function duckdbSessions(c: ModelContext) {
  const state = async (key: string): Promise<string | null> => {
    const r = await c.warehouse.query(`SELECT value FROM identity_state WHERE key = $key`, { params: { key } });
    const v = r.rows[0]?.[0];
    return v === undefined || v === null ? null : String(v);
  };
  const eventsCount = () => c.scalar(`SELECT count(*) FROM events`);
  /** Remembers what the sessions were computed from (inside the refresh's transaction). */
  const saveState = async (tx: WarehouseTransaction) => {
    await tx.run(`INSERT OR REPLACE INTO identity_state VALUES ('sessions_fingerprint', $fingerprint)`, { fingerprint: sessionsFingerprint(c.sql.rules) });
    await tx.run(`INSERT OR REPLACE INTO identity_state SELECT 'sessions_events', CAST(count(*) AS VARCHAR) FROM events`);
  };
  /** Sessions of the devices `deviceFilter` selects (all without one), configured values bound. */
  const insertSessions = async (tx: WarehouseTransaction, deviceFilter?: string) => {
    const { model, params } = bindModel(c.sql);
    await tx.run(`INSERT INTO touch_sessions ${duckdbSessionsSql(model.rules, deviceFilter)}`, params);
  };
  return {
    async rebuild(): Promise<void> {
      const started = c.clock.now();
      await c.warehouse.transaction(async (tx) => {
        await tx.run('DELETE FROM touch_sessions');
        await insertSessions(tx);
        await saveState(tx);
      });
      c.log('sessions rebuilt', { ms: c.clock.now() - started });
    },
    async fresh(): Promise<boolean> {
      const [fp, n] = await Promise.all([state('sessions_fingerprint'), state('sessions_events')]);
      return fp === sessionsFingerprint(c.sql.rules) && n !== null && Number(n) === (await eventsCount());
    },
    /** Whether the stored sessions miss exactly the `loaded` events of the load just made. */
    async caughtUpBefore(loaded: number): Promise<boolean> {
      const [before, now] = await Promise.all([state('sessions_events'), eventsCount()]);
      return before !== null && Number(before) + loaded === now && (await state('sessions_fingerprint')) === sessionsFingerprint(c.sql.rules);
    },
    /**
     * The sessions of the devices the latest load touched. The DuckDB loader records that load's
     * (anonymous id, user id) pairs in `last_load_ids`, in the load's own transaction: the ids
     * never leave the database, so no value becomes SQL text and no file is written.
     */
    async refreshLoaded(): Promise<void> {
      const dirty = bindModel(c.sql);
      const devices = `SELECT DISTINCT ${deviceKeySql(dirty.model.rules)} AS device_id FROM last_load_ids`;
      await c.warehouse.transaction(async (tx) => {
        await tx.run(`CREATE OR REPLACE TEMP TABLE _dirty_devices AS ${devices}`, dirty.params);
        await tx.run(`DELETE FROM touch_sessions WHERE device_id IN (SELECT device_id FROM _dirty_devices)`);
        await insertSessions(tx, 'device_id IN (SELECT device_id FROM _dirty_devices WHERE device_id IS NOT NULL)');
        await saveState(tx);
        await tx.run('DROP TABLE _dirty_devices');
      });
    },
  };
}

/**
 * The derived side of the warehouse for one configuration: identity (alias closure table and
 * views), sessions (a table on DuckDB, refreshed per loaded batch; a view on ClickHouse),
 * touches, conversions and persons views. Raw facts are never rewritten: everything here can be
 * dropped and recomputed from `events` and `identities`.
 */
export function createDerivedModel(warehouse: Warehouse, config: ModelSettings, log: Log = () => undefined, clock: Pick<Clock, 'now'> = systemClock): DerivedModel {
  const sql = modelSqlFor(warehouse, config);
  const c: ModelContext = {
    warehouse, sql, clock, log,
    duck: sql.rules.fns.engine === WarehouseEngine.DuckDB,
    write: (text) => warehouse.query(text, { readOnly: false }),
    scalar: async (text) => Number((await warehouse.query(text)).rows[0]?.[0] ?? 0),
    quoteIdent: (name) => sql.rules.fns.quoteIdent(name),
  };
  const refreshAliases = aliasRefresher(c);
  const sessions = duckdbSessions(c);
  const failures = { count: 0, last: null as string | null, stale: false };
  const rebuildSessions = async () => {
    if (!c.duck) return;
    await sessions.rebuild();
    failures.stale = false;
  };
  const sessionsFresh = async () => !c.duck || sessions.fresh();
  return {
    sql,
    async ensure() {
      await createDerivedTables(c);
      await createDerivedViews(c);
      await refreshAliases(true);
      if (c.duck && !(await sessions.fresh())) {
        await rebuildSessions();
        return { sessionsRebuilt: true };
      }
      return { sessionsRebuilt: false };
    },
    async afterLoad(_batch, loaded) {
      try {
        await refreshAliases();
        // Sessions missed an earlier batch (a crash between its load and this refresh, a failed
        // refresh): only a full rebuild makes them whole again.
        if (c.duck) await ((await sessions.caughtUpBefore(loaded)) ? sessions.refreshLoaded() : rebuildSessions());
        failures.last = null;
        failures.stale = false;
      } catch (err) {
        // Handled: the load itself succeeded; stale sessions are computed on read until rebuilt.
        failures.count++;
        failures.last = (err as Error).message;
        failures.stale = c.duck;
        log('derived sessions / identity refresh failed; they are rebuilt at the next start or load', { error: failures.last, failures: failures.count });
      }
    },
    refreshAliases,
    rebuildSessions,
    sessionsFresh,
    stats: () => ({ refreshFailures: failures.count, lastRefreshError: failures.last, sessionsStale: failures.stale }),
  };
}
