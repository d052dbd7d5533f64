import { CLICK_ID_REGISTRY_VERSION, DEFAULT_REFERRAL_EXCLUSIONS } from '@touchline/protocol';
import { createHash } from 'node:crypto';
import { channelRuleSet } from '../definitions/channel-rules.js';
import type { ModelSettings } from '../definitions/model-settings.js';
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

export interface DerivedModel {
  readonly sql: ModelSql;
  /** Creates the derived tables, (re)creates the views, refreshes what is stale. Idempotent. */
  ensure(): Promise<{ sessionsRebuilt: boolean }>;
  /**
   * Right after a batch loaded (`loaded` events inserted): the alias closure if aliases changed,
   * and (DuckDB) the sessions of the batch's devices, which the warehouse recorded with the load
   * (when another load came in between, every session is rebuilt instead). Never throws: a failure
   * is logged and leaves the sessions marked stale (rebuilt at the next start; read paths compute
   * them on read meanwhile).
   */
  afterLoad(batch: LoadBatch, loaded: number): Promise<void>;
  /** Recomputes the alias closure when the alias links changed (or always, with `force`). */
  refreshAliases(force?: boolean): Promise<boolean>;
  /** DuckDB: recomputes every session. */
  rebuildSessions(): Promise<void>;
  /** DuckDB: whether the stored sessions match this configuration and the loaded events. Always true on ClickHouse (on read). */
  sessionsFresh(): Promise<boolean>;
}

const ALIAS_COLUMNS = [
  { name: 'id', type: ColumnType.String },
  { name: 'root_id', type: ColumnType.String },
] as const;

/**
 * The derived side of the warehouse for one configuration: identity (alias closure table and
 * views), sessions (a table on DuckDB, refreshed per loaded batch; a view on ClickHouse),
 * touches, conversions and persons views. Raw facts are never rewritten: everything here can be
 * dropped and recomputed from `events` and `identities`.
 */
export function createDerivedModel(warehouse: Warehouse, config: ModelSettings, log: (msg: string, fields?: Record<string, unknown>) => void = () => undefined): DerivedModel {
  const sql = modelSqlFor(warehouse, config);
  const f = sql.rules.fns;
  const duck = f.engine === WarehouseEngine.DuckDB;
  const write = (text: string) => warehouse.query(text, { readOnly: false });
  const scalar = async (text: string) => Number((await warehouse.query(text)).rows[0]?.[0] ?? 0);
  const quoteIdent = (name: string) => f.quoteIdent(name);
  let aliasLinks = -1;

  async function createTables(): Promise<void> {
    if (duck) {
      await write(`CREATE TABLE IF NOT EXISTS identity_aliases (id VARCHAR PRIMARY KEY, root_id VARCHAR NOT NULL)`);
      await write(`CREATE TABLE IF NOT EXISTS identity_state (key VARCHAR PRIMARY KEY, value VARCHAR)`);
      await write(
        `CREATE TABLE IF NOT EXISTS touch_sessions (${SESSION_COLUMNS.map((c) => `${quoteIdent(c)} ${DUCKDB_SESSION_TYPES[c]}`).join(', ')})`,
      );
      return;
    }
    await write(
      `CREATE TABLE IF NOT EXISTS identity_aliases_store (generation UInt64, id String, root_id String) ENGINE = MergeTree ORDER BY (generation, id)`,
    );
  }

  async function createViews(): Promise<void> {
    const views = modelViews(sql);
    if (duck) {
      for (const [name, select] of views) await write(`CREATE OR REPLACE VIEW ${quoteIdent(name)} AS ${select}`);
      return;
    }
    // Views list their columns when created, and depend on each other: drop all, create in order.
    for (const name of MODEL_VIEW_NAMES) await write(`DROP TABLE IF EXISTS ${quoteIdent(name)}`);
    await write(`DROP TABLE IF EXISTS identity_aliases`);
    await write(
      `CREATE VIEW IF NOT EXISTS identity_aliases AS SELECT id, root_id FROM identity_aliases_store ` +
        `WHERE generation = (SELECT max(generation) FROM identity_aliases_store) AND id != ''`,
    );
    for (const [name, select] of views) await write(`CREATE VIEW IF NOT EXISTS ${quoteIdent(name)} AS ${select}`);
  }

  async function readAliasEdges(): Promise<AliasEdge[]> {
    const r = await warehouse.query(`SELECT previous_id, user_id FROM identities WHERE kind = 'alias'`);
    return r.rows.map(([p, u]) => ({ previousId: String(p ?? ''), userId: String(u ?? '') }));
  }

  /** The closure's rows go in bulk (appender / JSONEachRow): ids are event data, never SQL text. */
  async function writeAliases(closure: Map<string, string>): Promise<void> {
    const rows = [...closure.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (duck) {
      await warehouse.transaction(async (tx) => {
        await tx.run('DELETE FROM identity_aliases');
        await tx.insertRows('identity_aliases', ALIAS_COLUMNS, rows);
      });
      return;
    }
    // A new generation, then the view switches to it in one step; older ones are deleted after.
    const generation = Date.now();
    const all = [...rows, ['', ''] as [string, string]].map(([id, root]) => [generation, id, root] as const);
    await warehouse.insertRows('identity_aliases_store', [{ name: 'generation', type: ColumnType.Int }, ...ALIAS_COLUMNS], all);
    await warehouse
      .query(`ALTER TABLE identity_aliases_store DELETE WHERE generation < $generation`, { readOnly: false, params: { generation } })
      .catch((err: Error) => log('could not prune old alias generations (they are ignored anyway)', { error: err.message }));
  }

  async function refreshAliases(force = false): Promise<boolean> {
    const links = await scalar(`SELECT count(*) FROM identities WHERE kind = 'alias'`);
    if (!force && links === aliasLinks) return false;
    const closure = aliasClosure(await readAliasEdges(), sql.rules.junkIds);
    await writeAliases(closure);
    aliasLinks = links;
    return true;
  }

  async function state(key: string): Promise<string | null> {
    const r = await warehouse.query(`SELECT value FROM identity_state WHERE key = $key`, { params: { key } });
    const v = r.rows[0]?.[0];
    return v === undefined || v === null ? null : String(v);
  }

  const eventsCount = () => scalar(`SELECT count(*) FROM events`);

  /** Remembers what the sessions were computed from (inside the refresh's transaction). */
  async function saveState(tx: WarehouseTransaction): Promise<void> {
    await tx.run(`INSERT OR REPLACE INTO identity_state VALUES ('sessions_fingerprint', $fingerprint)`, { fingerprint: sessionsFingerprint(sql.rules) });
    await tx.run(`INSERT OR REPLACE INTO identity_state SELECT 'sessions_events', CAST(count(*) AS VARCHAR) FROM events`);
  }

  /** Sessions of the devices `deviceFilter` selects (all without one), configured values bound. */
  async function insertSessions(tx: WarehouseTransaction, deviceFilter?: string): Promise<void> {
    const { model, params } = bindModel(sql);
    await tx.run(`INSERT INTO touch_sessions ${duckdbSessionsSql(model.rules, deviceFilter)}`, params);
  }

  async function rebuildSessions(): Promise<void> {
    if (!duck) return;
    const started = Date.now();
    await warehouse.transaction(async (tx) => {
      await tx.run('DELETE FROM touch_sessions');
      await insertSessions(tx);
      await saveState(tx);
    });
    log('sessions rebuilt', { ms: Date.now() - started });
  }

  async function sessionsFresh(): Promise<boolean> {
    if (!duck) return true;
    const [fp, n] = await Promise.all([state('sessions_fingerprint'), state('sessions_events')]);
    return fp === sessionsFingerprint(sql.rules) && n !== null && Number(n) === (await eventsCount());
  }

  /**
   * The sessions of the devices the latest load touched. The DuckDB loader records that load's
   * (anonymous id, user id) pairs in `last_load_ids`, in the load's own transaction: the ids
   * never leave the database, so no value becomes SQL text and no file is written.
   */
  async function refreshLoadedSessions(): Promise<void> {
    if (!duck) return;
    const dirty = bindModel(sql);
    const devices = `SELECT DISTINCT ${deviceKeySql(dirty.model.rules)} AS device_id FROM last_load_ids`;
    await warehouse.transaction(async (tx) => {
      await tx.run(`CREATE OR REPLACE TEMP TABLE _dirty_devices AS ${devices}`, dirty.params);
      await tx.run(`DELETE FROM touch_sessions WHERE device_id IN (SELECT device_id FROM _dirty_devices)`);
      await insertSessions(tx, 'device_id IN (SELECT device_id FROM _dirty_devices WHERE device_id IS NOT NULL)');
      await saveState(tx);
      await tx.run('DROP TABLE _dirty_devices');
    });
  }

  return {
    sql,
    async ensure() {
      await createTables();
      await createViews();
      await refreshAliases(true);
      if (duck && !(await sessionsFresh())) {
        await rebuildSessions();
        return { sessionsRebuilt: true };
      }
      return { sessionsRebuilt: false };
    },
    async afterLoad(_batch, loaded) {
      try {
        await refreshAliases();
        if (!duck) return;
        // Sessions missed an earlier batch (a crash between its load and this refresh, a failed
        // refresh): only a full rebuild makes them whole again.
        const [before, now] = await Promise.all([state('sessions_events'), eventsCount()]);
        const caughtUp = before !== null && Number(before) + loaded === now && (await state('sessions_fingerprint')) === sessionsFingerprint(sql.rules);
        // Caught up: the load just made is the only one the sessions miss.
        if (caughtUp) await refreshLoadedSessions();
        else await rebuildSessions();
      } catch (err) {
        log('derived sessions / identity refresh failed; they are rebuilt at the next start', { error: (err as Error).message });
      }
    },
    refreshAliases,
    rebuildSessions,
    sessionsFresh,
  };
}
