import { bindModel } from '../identity/bound-model.js';
import { modelSqlFor } from '../identity/derived-model.js';
import type { ModelSql } from '../identity/model-views.js';
import { duckdbSessionsSql, clickhouseSessionsSql } from '../identity/sessions-sql.js';
import { WarehouseEngine, type SqlParams, type Warehouse } from '../warehouse/warehouse.js';
import { DEFAULT_CONVERSIONS, type ConversionDefinition } from '../definitions/conversions.js';
import type { ModelSettings } from '../definitions/model-settings.js';
import { DAY_MS, PathRows, assertLevel, duckdbJourneysSql, duckdbPathsSql, type Level, type PathQuery } from './paths-sql.js';
import { DIRTY_PERSONS, type PathsStatement } from './stored-journeys.js';
import type { ModelSpec } from '@touchline/attribution';
import type { StoredPaths } from './stored-paths.js';
import { engineParams, type RequestParams } from './engine-params.js';
import { decaySettings } from './time-decay-rows.js';
import { directValueOf } from './paths-sql.js';

/** What of an attribution request its paths depend on (`AttributeRequest` has these fields). */
export interface PathsRequest {
  readonly models: readonly ModelSpec[];
  readonly level?: string;
  readonly lookbackDays?: number;
  readonly conversions?: readonly string[];
  readonly resetAfterConversion?: boolean;
  readonly since?: string;
  readonly until?: string;
  /** The model parameters (time decay's half-life and the direct handling shape its stored rows). */
  readonly params?: RequestParams;
}

/** Whether the run reads the stored sessions (see `RunOptions`). */
export interface SessionsChoice {
  readonly sessionsOnRead?: boolean;
  readonly sessionsFresh?: () => Promise<boolean>;
}

export type StatementOf = (build: (b: ModelSql, q: PathQuery) => string) => { sql: string; params: SqlParams };

/** What a request's paths statements are built from, and the builder (each statement binds its own values). */
export interface PathStatements {
  readonly level: Level;
  readonly m: ModelSql;
  readonly duck: boolean;
  /** Sessions computed from the events (ClickHouse, or stale stored sessions on DuckDB). */
  readonly onRead: boolean;
  readonly lookbackDays: number;
  readonly conversions: readonly ConversionDefinition[];
  readonly sessionsOf: (b: ModelSql) => string;
  readonly statementOf: StatementOf;
}

function definitionsFor(req: PathsRequest, config: ModelSettings): readonly ConversionDefinition[] {
  if (!req.conversions || req.conversions.length === 0) return config.attribution.conversions;
  const base = DEFAULT_CONVERSIONS[0]!;
  return req.conversions.map((event) => ({ ...base, name: event, events: [event] }));
}

export async function pathStatements(warehouse: Warehouse, config: ModelSettings, req: PathsRequest, opts: SessionsChoice): Promise<PathStatements> {
  const level = assertLevel(req.level ?? 'channel');
  const m = modelSqlFor(warehouse, config);
  const duck = m.rules.fns.engine === WarehouseEngine.DuckDB;
  const onRead = duck ? (opts.sessionsOnRead ?? !(await (opts.sessionsFresh?.() ?? Promise.resolve(true)))) : true;
  const lookbackDays = req.lookbackDays ?? config.attribution.lookbackDays;
  const conversions = definitionsFor(req, config);
  const sessionsOf = (b: ModelSql) => (duck ? (onRead ? `(${duckdbSessionsSql(b.rules)})` : 'touch_sessions') : `(${clickhouseSessionsSql(b.rules)})`);
  const queryOf = (b: ModelSql): PathQuery => ({
    level,
    lookbackMs: lookbackDays * DAY_MS,
    resetAfterConversion: req.resetAfterConversion ?? config.attribution.resetAfterConversion,
    conversions,
    filter: { since: req.since, until: req.until },
    sessions: sessionsOf(b),
  });
  const statementOf: StatementOf = (build) => {
    const { model, params } = bindModel(m);
    return { sql: build(model, queryOf(model)), params };
  };
  return { level, m, duck, onRead, lookbackDays, conversions, sessionsOf, statementOf };
}

/** The whole DuckDB statement and its two stages (they bind the same values in the same order: the whole one's parameters serve all three). */
export function storedStatement(statementOf: StatementOf, rows: typeof PathRows.Aggregated | typeof PathRows.Both): { statement: PathsStatement; params: SqlParams } {
  const whole = statementOf((b, q) => duckdbPathsSql(b, q, rows));
  const journeys = statementOf((b, q) => duckdbJourneysSql(b, q)).sql;
  const dirtyJourneys = statementOf((b, q) => duckdbJourneysSql(b, { ...q, sessions: dirtySessions(q.sessions) }, DIRTY_PERSONS)).sql;
  return { statement: { sql: whole.sql, journeys, dirtyJourneys, rows }, params: whole.params };
}

/**
 * The sessions whose person may be a dirty one, read before identity resolution (so the resolution
 * runs over those alone): a session's person is its key's root, so its key is a dirty person or
 * an id mapped to one. The journeys statement keeps only the dirty persons after resolving.
 */
function dirtySessions(sessions: string): string {
  return `(SELECT * FROM ${sessions} AS ds WHERE coalesce(ds.user_id, ds.device_id) IN (SELECT person FROM ${DIRTY_PERSONS} UNION ALL SELECT id FROM id_map WHERE root_id IN (SELECT person FROM ${DIRTY_PERSONS})))`;
}

/**
 * Stores the paths `req` would read (DuckDB) unless they are stored already: the page's default
 * filters, after a load, so its first view reads stored paths too. Returns whether it computed.
 * Not with stale sessions: those paths are keyed on sessions computed on read, which no later view uses once the sessions are rebuilt.
 */
export async function prebuildPaths(warehouse: Warehouse, config: ModelSettings, req: PathsRequest, stored: StoredPaths, opts: SessionsChoice): Promise<boolean> {
  const p = await pathStatements(warehouse, config, req, opts);
  if (!p.duck || p.onRead) return false;
  const names = req.models.map((x) => (typeof x === 'string' ? x : x.model));
  const wantsTimeDecay = names.includes('time_decay');
  const s = storedStatement(p.statementOf, wantsTimeDecay ? PathRows.Both : PathRows.Aggregated);
  // Beside other models, a view reads time decay's rows for its half-life (run-attribution.ts): built now too.
  const decay = wantsTimeDecay && names.some((n) => n !== 'time_decay') ? decaySettings(engineParams(req, config, directValueOf(p.level), p.lookbackDays)) : undefined;
  return stored.prebuild(s.statement, s.params, decay);
}
