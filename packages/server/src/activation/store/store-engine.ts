import type { Checkpoint, RunRecord } from './records.js';

/** A column of a staged source, with its engine type when the engine told us. */
export interface SourceColumn {
  readonly name: string;
  readonly type: string | null;
}

/** Which rows of the stage make the diff. */
export interface DiffPlan {
  /** Rows whose hash differs from the state (update, upsert, mirror; insert mode sends new rows only). */
  readonly changes: boolean;
  /** Keys in the state that left the source (mirror). */
  readonly removals: boolean;
  /** Full resync: every staged row, whatever the state says. */
  readonly ignoreState: boolean;
}

/**
 * The SQL the activation store needs, per engine (drizzle's split: SQL generation here,
 * execution through the warehouse port in `sync-store.ts`). DuckDB updates in place inside
 * transactions; ClickHouse 18.16 appends versions to ReplacingMergeTree tables and reads FINAL.
 * Both serialise a row the same way for its hash: each mapped column as `name=` plus its value
 * as `<length>:<text>` (or `-` for NULL), in column-name order, so the text is unambiguous.
 */
export interface ActivationDialect {
  readonly engine: 'duckdb' | 'clickhouse';
  /** A string literal. */
  str(v: string): string;
  /** A literal for a value of the activation tables (string, number, null). */
  value(v: string | number | null): string;
  /** A timestamp literal for the activation tables' time columns. */
  time(ms: number): string;
  /** A query answering the source's columns (name, and type when known), without reading rows. */
  describe(sourceSql: string): string;
  /** Whether `describe` answers (name, type) rows (DuckDB) or only column names from an empty result (ClickHouse). */
  readonly describesTypes: boolean;
  /**
   * Materialises the source: `_tl_pk` (the primary key as text), `_tl_hash` (over `hashed`:
   * destination column -> source column), and the `keep` source columns.
   */
  stage(table: string, sourceSql: string, pk: string, hashed: readonly (readonly [string, SourceColumn])[], keep: readonly string[] | '*'): string[];
  /** count, duplicate keys, empty keys of a stage. */
  stageChecks(table: string): string;
  /** The run's diff against the state, as a table (pk, op, hash). */
  diff(diffTable: string, stageTable: string, syncName: string, plan: DiffPlan): string[];
  dropTable(table: string): string;
  tableExists(table: string): string;
  /** The current state rows of a sync, as a subquery with columns sync_name, pk, hash, status, dedup_key, state_row, updated_at. */
  stateOf(syncName: string): string;
  /** Every run, newest version of each, as a subquery. */
  runs(): string;
  /** Statements that write a run record (insert or replace). */
  saveRun(run: RunRecord, now: number): string[];
  /** Statements that write one checkpoint, atomically where the engine allows. */
  checkpoint(c: Checkpoint, now: number): string[];
  /** Statements that record every diff row as delivered without sending (baseline). */
  baseline(diffTable: string, syncName: string, runId: string, now: number): string[];
  /** Statements that forget a sync's state (full resync with mirror, or reset). */
  resetState(syncName: string, now: number): string[];
}

/** Run columns in table order, for INSERT column lists. */
export const RUN_FIELDS = [
  'run_id', 'sync_name', 'kind', 'status', 'trigger', 'mode', 'destination', 'started_at', 'finished_at', 'heartbeat_at',
  'owner', 'stage_table', 'planned_add', 'planned_change', 'planned_remove', 'delivered', 'rejected', 'failed',
  'requests', 'resumes', 'error', 'details',
] as const;

/** A run's values in `RUN_FIELDS` order; times as epoch ms (each dialect writes its literal). */
export function runValues(run: RunRecord): (string | number | null | { time: number })[] {
  const t = (iso: string | null) => (iso === null ? null : { time: Date.parse(iso) });
  return [
    run.runId, run.syncName, run.kind, run.status, run.trigger, run.mode, run.destination,
    t(run.startedAt), t(run.finishedAt), t(run.heartbeatAt), run.owner, run.stageTable,
    run.plannedAdd, run.plannedChange, run.plannedRemove, run.delivered, run.rejected, run.failed,
    run.requests, run.resumes, run.error, JSON.stringify(run.details),
  ];
}

export const RESULT_FIELDS = [
  'run_id', 'sync_name', 'pk', 'op', 'attempt', 'status', 'code', 'reason', 'field', 'dedup_key', 'http_status',
  'request', 'answer', 'recorded_at', 'result_id',
] as const;

/** JSON text of a value for a JSON column, or null. */
export const jsonText = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));

/** A table name Touchline creates for one run: only letters, digits and underscores. */
export function runTable(prefix: 'stage' | 'diff', runId: string): string {
  return `_tl_${prefix}_${runId.replace(/[^a-z0-9]/gi, '_')}`;
}
