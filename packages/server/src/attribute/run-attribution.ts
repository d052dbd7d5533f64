import {
  createAttribution,
  SUMMARIES,
  type AttributionParams,
  type AttributionResult,
  type Distribution,
  type ModelSpec,
  type PathInput,
  type Summary,
  type TimeToConvert,
} from '@touchline/attribution';
import { systemClock, type Clock } from '../clock/clock.js';
import { bindModel } from '../identity/bound-model.js';
import { otherCurrencySql } from '../identity/conversions-sql.js';
import type { ModelSql } from '../identity/model-views.js';
import type { Warehouse, WarehouseEngine } from '../warehouse/warehouse.js';
import type { ConversionDefinition } from '../definitions/conversions.js';
import type { ModelSettings } from '../definitions/model-settings.js';
import type { SpendByLevel } from '../spend/spend-by-level.js';
import { spendForAttribution } from './attribution-spend.js';
import type { PathsSource, StoredPaths } from './stored-paths.js';
import { pathStatements, storedStatement, type StatementOf } from './path-statements.js';
import { PACK, PathRows, PathRowKind, clickhousePathsSql, directValueOf, duckdbPathsSql, type PathQuery } from './paths-sql.js';
import { engineParams, type RequestParams } from './engine-params.js';
import { decayParams, decaySettings, type DecaySettings } from './time-decay-rows.js';

export { engineParams } from './engine-params.js';

/** One attribution run over the warehouse: what `touchline attribute` and `POST /admin/attribute` take. */
export interface AttributeRequest {
  /** Engine model specs (names as `@touchline/attribution` spells them). */
  readonly models: readonly ModelSpec[];
  /** `channel`, `source_medium`, `campaign`, `source`, `medium`, or a raw touch column. @defaultValue `channel` */
  readonly level?: string;
  /** @defaultValue `attribution.lookbackDays` (90) */
  readonly lookbackDays?: number;
  /** Conversion event names, replacing the configured definitions (value read from `value` / `revenue` / `total`). */
  readonly conversions?: readonly string[];
  /** @defaultValue `attribution.resetAfterConversion` (true) */
  readonly resetAfterConversion?: boolean;
  /** Conversions from / before these times (ISO-8601). */
  readonly since?: string;
  readonly until?: string;
  /**
   * The summaries to compute besides the credits (`top_paths`, `time_to_convert`,
   * `touches_to_convert`): only those the caller shows. @defaultValue all three
   */
  readonly summaries?: readonly Summary[];
  /**
   * Model parameters, as the engine names them (halfLifeDays, positionWeights, markov…). `direct`,
   * `directLabels` and `markov.emptyPaths` default to `attribution.direct`, `.directLabels` and
   * `.markov.emptyPaths`; the level's own direct value is always a direct label.
   */
  readonly params?: RequestParams;
  /** Add ad cost per level value (`spend`), for cost, CPA and ROAS under each model. @defaultValue false */
  readonly withSpend?: boolean;
}

/** The engine's result plus what the run was. JSON-safe (NaN statistics become null in JSON). */
export interface AttributeResponse extends AttributionResult {
  readonly level: string;
  readonly engine: WarehouseEngine;
  /** `stored` (DuckDB's session table) or `on-read` (ClickHouse, or DuckDB sessions that are stale). */
  readonly sessions: 'stored' | 'on-read';
  /** DuckDB with stored paths: whether this run read them or computed (and stored) them, and why. */
  readonly paths?: PathsSource;
  /** Things the reader should know (fallbacks, left-out conversions). */
  readonly notes: string[];
  readonly timings: { readonly sqlAndStreamMs: number; readonly totalMs: number };
  /** With `withSpend`: cost per level value in the reporting currency (CPA and ROAS follow each model's credits). */
  readonly spend?: SpendByLevel;
}

export interface RunOptions {
  /** Compute sessions from events instead of the stored table (DuckDB). @defaultValue when the table is stale */
  readonly sessionsOnRead?: boolean;
  /** Whether the stored sessions are current (DuckDB); asked when `sessionsOnRead` is unset. */
  readonly sessionsFresh?: () => Promise<boolean>;
  /**
   * Conversion paths kept per statement (DuckDB): the run reads them when current, else computes
   * and stores them. @defaultValue none: every run builds its paths from the sessions
   */
  readonly storedPaths?: StoredPaths;
  /** Times the run (`timings`). @defaultValue the system clock */
  readonly clock?: Pick<Clock, 'now'>;
}

const MILESTONE_MODELS = new Set(['w_shaped', 'full_path']);

function modelName(spec: ModelSpec): string {
  return typeof spec === 'string' ? spec : spec.model;
}

type Run = ReturnType<typeof createAttribution>;
type Rows = AsyncIterable<Record<string, unknown>[]>;

/** The engine runs of one request, and the time-to-convert counts the SQL's day rows feed. */
interface Runs {
  /** Every model but time decay, over aggregated paths. */
  readonly agg: Run | null;
  /** Time decay, over per-conversion paths with their touch times. */
  readonly td: Run | null;
  readonly days: Map<number, number>;
  readonly summaries: ReadonlySet<Summary>;
}

function addPath(run: Run, p: PathInput): void {
  const r = run.add(p);
  if (!r.ok) throw new Error(`attribution: a path built by the warehouse was refused (${r.message})`);
}

function addDays(r: Runs, days: number, conversions: number): void {
  if (r.summaries.has('time_to_convert')) r.days.set(days, (r.days.get(days) ?? 0) + conversions);
}

function engineRuns(req: AttributeRequest, base: AttributionParams, summaries: ReadonlySet<Summary>): Runs {
  const aggregated = req.models.filter((x) => modelName(x) !== 'time_decay');
  const fallback: AttributionParams = { ...base, missingFacts: base.missingFacts ?? 'fallback' };
  // Time to convert comes from the SQL's day rows, not the engine (aggregated paths carry no times).
  const engineSummaries = [...summaries].filter((x) => x !== 'time_to_convert');
  const agg = aggregated.length > 0 ? createAttribution(aggregated, { ...fallback, pathsAreDistinct: true, summaries: engineSummaries }) : null;
  // When it runs beside the aggregated models, time decay's run feeds no summary.
  const wantsTimeDecay = aggregated.length < req.models.length;
  const td = wantsTimeDecay ? createAttribution(['time_decay'], { ...base, summaries: agg ? [] : engineSummaries }) : null;
  return { agg, td, days: new Map(), summaries };
}

/** DuckDB's one statement: path, day and (for time decay) packed rows, told apart by `kind`. */
async function readDuckDBRows(rows: Rows, r: Runs): Promise<void> {
  for await (const chunk of rows) {
    for (const row of chunk) {
      const kind = row['kind'];
      if (kind === PathRowKind.Path) {
        if (r.agg) addPath(r.agg, { path: (row['path'] as string[]) ?? [], conversions: Number(row['conversions']), value: Number(row['value']), nulls: Number(row['nulls']) });
      } else if (kind === PathRowKind.Days) addDays(r, Number(row['days']), Number(row['conversions']));
      else if (kind === PathRowKind.Packed && r.td) unpack(String(row['packed'] ?? ''), (p) => addPath(r.td!, p));
      else if (kind === PathRowKind.Uniform && r.td) addPath(r.td, uniformPath(row));
      else if (kind === PathRowKind.Decayed && r.td) addPath(r.td, decayedPath(row));
    }
  }
}

/**
 * ClickHouse: rows grouped by (path, day), summed here per path (bounded by distinct paths). With
 * time decay, each row's conversions also go to its run as they come: with the row's touch ages,
 * or (a path of one level value, `ages` empty) wholly to that value, as DuckDB's `u` rows do.
 */
async function readClickHouseRows(rows: Rows, r: Runs): Promise<void> {
  const paths = new Map<string, { path: string[]; conversions: number; value: number; nulls: number }>();
  for await (const chunk of rows) {
    for (const row of chunk) {
      const path = (row['path'] as string[]) ?? [];
      const key = path.join(PACK.touch);
      const e = paths.get(key) ?? { path, conversions: 0, value: 0, nulls: 0 };
      e.conversions += Number(row['conversions']);
      e.value += Number(row['value']);
      e.nulls += Number(row['nulls']);
      paths.set(key, e);
      const d = Number(row['days']);
      if (d >= 0) addDays(r, d, Number(row['conversions']));
      if (r.td && Number(row['conversions']) > 0) addPath(r.td, timeDecayPath(row, path));
    }
  }
  if (r.agg) for (const p of paths.values()) addPath(r.agg, p);
}

/** A ClickHouse row's conversions as time decay reads them (see `readClickHouseRows`). */
function timeDecayPath(row: Record<string, unknown>, path: string[]): PathInput {
  const ages = ((row['ages'] as unknown[] | undefined) ?? []).map(Number);
  const times = ages.length > 0 ? ages.map((a) => -a) : path.map(() => 0);
  return { path, times, converted_at: 0, conversions: Number(row['conversions']), value: Number(row['value']) };
}

/** The models' results in the order the request named them (time decay from its own run). */
function resultsOf(req: AttributeRequest, r: Runs): { main: AttributionResult; models: AttributionResult['models'] } {
  const main = (r.agg ?? r.td)!.result();
  const timeDecay = r.td && r.agg ? r.td.result().models[0]! : null;
  const models = req.models.map((spec) => {
    const name = typeof spec === 'string' ? spec : (spec.name ?? spec.model);
    if (modelName(spec) === 'time_decay' && timeDecay) return { ...timeDecay, model: name };
    const found = main.models.find((x) => x.model === name);
    if (!found) throw new Error(`attribution: no result for model ${name}`);
    return found;
  });
  return { main, models };
}

/**
 * Runs attribution over the warehouse. The warehouse builds the paths (sessions, identity,
 * conversions, lookback, reset, and identical paths aggregated: `duckdbPathsSql` /
 * `clickhousePathsSql`); TypeScript allocates credit while the rows stream in. Memory is bounded by
 * distinct paths and level values, never by events or persons. Time decay needs each
 * conversion's touch times, so it alone reads per-conversion rows (packed, a thousand per row).
 */
export async function runAttribution(warehouse: Warehouse, config: ModelSettings, req: AttributeRequest, opts: RunOptions = {}): Promise<AttributeResponse> {
  const clock = opts.clock ?? systemClock;
  const started = clock.now();
  if (req.models.length === 0) throw new RangeError('name at least one model');
  const { level, m, duck, onRead, lookbackDays, conversions, sessionsOf, statementOf } = await pathStatements(warehouse, config, req, opts);
  const notes: string[] = [];
  if (duck && onRead && opts.sessionsOnRead === undefined) notes.push('sessions computed on read: the stored sessions are stale (they are rebuilt when the server starts)');
  const base = engineParams(req, config, directValueOf(level), lookbackDays);
  if (req.models.some((x) => MILESTONE_MODELS.has(modelName(x))) && base.missingFacts === undefined) {
    notes.push('w_shaped / full_path: no lead or opportunity milestones are recorded, so they fall back to the last touch');
  }
  const runs = engineRuns(req, base, new Set(req.summaries ?? SUMMARIES));
  const paths = await readPaths(warehouse, duck, statementOf, runs, { stored: opts.storedPaths, decay: decaySettings(base) });
  if (paths) notes.push(pathsNote(paths));
  const sqlDone = clock.now();
  const { main, models } = resultsOf(req, runs);
  const left = await otherCurrencyCount(warehouse, m, conversions);
  if (left > 0) notes.push(`${left} conversion event(s) state another currency than their definition and were left out`);
  const spend = req.withSpend ? await spendForAttribution(warehouse, m, config, { level, sessionsOf, since: req.since, until: req.until }) : undefined;
  return {
    ...(spend ? { spend } : {}),
    ...main,
    models,
    ...(runs.summaries.has('time_to_convert') ? { time_to_convert: timeToConvert(runs.days) } : {}),
    level,
    engine: warehouse.engine,
    sessions: onRead ? 'on-read' : 'stored',
    ...(paths ? { paths } : {}),
    notes,
    timings: { sqlAndStreamMs: sqlDone - started, totalMs: clock.now() - started },
  };
}

/**
 * Streams the paths into the engine runs: DuckDB's one statement (its stored rows when a store
 * is given: see stored-paths.ts), or ClickHouse's one (built per request on ClickHouse).
 */
async function readPaths(warehouse: Warehouse, duck: boolean, statementOf: StatementOf, runs: Runs, o: { stored: StoredPaths | undefined; decay: DecaySettings }): Promise<PathsSource | undefined> {
  const rowsOf = (build: (b: ModelSql, q: PathQuery) => string): Rows => {
    const s = statementOf(build);
    return warehouse.stream(s.sql, { params: s.params });
  };
  if (!duck) {
    await readClickHouseRows(rowsOf((b, q) => clickhousePathsSql(b, q, runs.td ? PathRows.Both : PathRows.Aggregated)), runs);
    return undefined;
  }
  // Beside other models, time decay reads its credit per level value summed in SQL (time-decay-rows.ts);
  // alone, it also feeds the summaries, which need each conversion's path: the packed rows.
  const rows = !runs.td ? PathRows.Aggregated : runs.agg ? PathRows.Decayed : PathRows.Both;
  const decayed = rows === PathRows.Decayed;
  if (!o.stored) {
    const s = statementOf((b, q) => duckdbPathsSql(b, q, rows));
    await readDuckDBRows(warehouse.stream(s.sql, { params: decayed ? { ...s.params, ...decayParams(o.decay) } : s.params }), runs);
    return undefined;
  }
  // The stored key is the packed rows' (one key whatever the half-life); the decay rows are kept beside it per half-life.
  const s = storedStatement(statementOf, rows === PathRows.Aggregated ? rows : PathRows.Both);
  const read = await o.stored.rows(s.statement, s.params, decayed ? o.decay : undefined);
  await readDuckDBRows(read.rows, runs);
  return read.source;
}

/** What the page says about where its paths came from. */
function pathsNote(s: PathsSource): string {
  if (s.from === 'stored') return `paths read from the stored conversion paths (events up to ${s.asOf})`;
  if (s.from === 'updated') return `paths read from the stored conversion paths, brought up to date for the ${s.persons} person(s) whose events arrived since (events up to ${s.asOf})`;
  return `paths computed from the events (${s.reason}); they are stored, so the next view with these filters reads them`;
}

/** Conversion events left out because they state another currency than their definition. */
async function otherCurrencyCount(warehouse: Warehouse, m: ModelSql, conversions: readonly ConversionDefinition[]): Promise<number> {
  const { model: b, params } = bindModel(m);
  const other = otherCurrencySql(b.rules, conversions);
  return other ? Number((await warehouse.query(other, { params })).rows[0]?.[0] ?? 0) : 0;
}

/**
 * Time decay's input for conversions whose path holds one level value (`u` rows): their ages
 * cannot change whose credit it is, so equal ones stand in for them.
 */
function uniformPath(row: Record<string, unknown>): PathInput {
  const path = (row['path'] as string[]) ?? [];
  return { path, times: path.map(() => 0), converted_at: 0, conversions: Number(row['conversions']), value: Number(row['value']) };
}

/**
 * Time decay's credit for one level value, summed in SQL (`w` rows): a one-touch path whose
 * conversions are that credit, which the engine gives wholly to the value (share 1, exactly).
 */
function decayedPath(row: Record<string, unknown>): PathInput {
  return { path: (row['path'] as string[]) ?? [], times: [0], converted_at: 0, conversions: Number(row['conversions']), value: Number(row['value']) };
}

/** Splits the packed per-conversion rows (see `duckdbPathsSql`). */
function unpack(text: string, each: (p: PathInput) => void): void {
  if (!text) return;
  for (const record of text.split(PACK.record)) {
    const [levels = '', ages = '', value = '0'] = record.split(PACK.field);
    const path = levels === '' ? [] : levels.split(PACK.touch);
    const times = ages === '' ? [] : ages.split(',').map((a) => -Number(a));
    each({ path, times, converted_at: 0, value: Number(value) });
  }
}

/** The time-to-convert distribution from conversions per whole day (the engine's definitions). */
export function timeToConvert(days: ReadonlyMap<number, number>): TimeToConvert {
  const by = [...days.entries()].filter(([, c]) => c > 0).sort((a, b) => a[0] - b[0]);
  const total = by.reduce((s, [, c]) => s + c, 0);
  const quantile = (q: number) => {
    let seen = 0;
    for (const [k, c] of by) {
      seen += c;
      if (seen >= q * total) return k;
    }
    return Number.NaN;
  };
  const summary: Distribution = {
    conversions: total,
    mean: total > 0 ? by.reduce((s, [k, c]) => s + k * c, 0) / total : Number.NaN,
    median: total > 0 ? quantile(0.5) : Number.NaN,
    p90: total > 0 ? quantile(0.9) : Number.NaN,
  };
  return { ...summary, by_day: by.map(([d, conversions]) => ({ days: d, conversions })) };
}
