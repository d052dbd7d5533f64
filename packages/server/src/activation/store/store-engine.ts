import type { SqlDialect } from '../../warehouse/dialect/dialect.js';
import { ColumnType } from '../../warehouse/schema.js';
import type { InsertColumn, SqlValue, Statement } from '../../warehouse/warehouse.js';
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
 * How the activation store keeps its tables on one engine. SQL is spelt by the warehouse's
 * dialect and every value is bound or bulk-inserted; what is left here is what differs in
 * *storage*: DuckDB updates rows in place inside transactions, ClickHouse 18.16 appends versions
 * to ReplacingMergeTree tables and reads them FINAL. Both serialise a row the same way for its
 * hash: each mapped column as `name=` plus its value as `<length>:<text>` (or `-` for NULL), in
 * column-name order, so the text is unambiguous.
 */
export interface StoreEngine {
  /** A query answering the source's (name, type) rows without reading rows; null where the engine cannot (ClickHouse: names only). */
  describe(source: Statement): Statement | null;
  /**
   * Materialises the source: `_tl_pk` (the primary key as text), `_tl_hash` (over `hashed`:
   * destination column -> source column), and the `keep` source columns.
   */
  stage(table: string, source: Statement, pk: string, hashed: readonly (readonly [string, SourceColumn])[], keep: readonly string[] | '*'): Statement[];
  /** Whether a table exists (one count). */
  tableExists(table: string): Statement;
  /** The run's diff against the state, as a table (pk, op, hash). */
  diff(diffTable: string, stageTable: string, syncName: string, plan: DiffPlan): Statement[];
  /** A sync's current state rows, as a subquery (sync_name, pk, hash, status, dedup_key, state_row, updated_at), for a statement built with `d`. */
  stateOf(d: SqlDialect, syncName: string): string;
  /** Every run, newest version of each, as a relation. */
  readonly runs: string;
  /** Writes a run record (insert or replace). */
  saveRun(run: RunRecord): Promise<void>;
  /** Writes one checkpoint, atomically where the engine allows. */
  checkpoint(c: Checkpoint, now: number): Promise<void>;
  /** Records every diff row as delivered without sending (baseline). */
  baseline(diffTable: string, syncName: string, runId: string, now: number): Promise<void>;
  /** Forgets a sync's state (full resync with mirror, or reset). */
  resetState(syncName: string, now: number): Promise<void>;
}

const col = (name: string, type: ColumnType): InsertColumn => ({ name, type });
const text = (...names: string[]) => names.map((n) => col(n, ColumnType.String));

/** `sync_runs` columns in table order, typed for bulk inserts. */
export const RUN_COLUMNS: readonly InsertColumn[] = [
  ...text('run_id', 'sync_name', 'kind', 'status', 'trigger', 'mode', 'destination'),
  col('started_at', ColumnType.Timestamp),
  col('finished_at', ColumnType.Timestamp),
  col('heartbeat_at', ColumnType.Timestamp),
  ...text('owner', 'stage_table'),
  ...['planned_add', 'planned_change', 'planned_remove', 'delivered', 'rejected', 'failed', 'requests', 'resumes'].map((n) => col(n, ColumnType.Int)),
  col('error', ColumnType.String),
  col('details', ColumnType.Json),
];

/** Run column names, for SELECT lists. */
export const RUN_FIELDS = RUN_COLUMNS.map((c) => c.name);

/** A run's values in `RUN_COLUMNS` order. */
export function runValues(run: RunRecord): SqlValue[] {
  return [
    run.runId, run.syncName, run.kind, run.status, run.trigger, run.mode, run.destination,
    run.startedAt, run.finishedAt, run.heartbeatAt, run.owner, run.stageTable,
    run.plannedAdd, run.plannedChange, run.plannedRemove, run.delivered, run.rejected, run.failed,
    run.requests, run.resumes, run.error, JSON.stringify(run.details),
  ];
}

/** `sync_row_results` columns, typed for bulk inserts. */
export const RESULT_COLUMNS: readonly InsertColumn[] = [
  ...text('run_id', 'sync_name', 'pk', 'op'),
  col('attempt', ColumnType.Int),
  ...text('status', 'code', 'reason', 'field', 'dedup_key'),
  col('http_status', ColumnType.Int),
  col('request', ColumnType.Json),
  col('answer', ColumnType.Json),
  col('recorded_at', ColumnType.Timestamp),
  col('result_id', ColumnType.String),
  col('receipt', ColumnType.Json),
  col('vendor_code', ColumnType.String),
];

/** The results of a checkpoint in `RESULT_COLUMNS` order, each with a fresh result id. */
export function resultValues(c: Checkpoint, newId: () => string): SqlValue[][] {
  return c.results.map((r) => [
    r.runId, r.syncName, r.pk, r.op, r.attempt, r.status, r.code, r.reason, r.field, r.dedupKey, r.httpStatus,
    jsonText(r.request), jsonText(r.answer), r.at, newId(), jsonText(r.receipt), r.vendorCode,
  ]);
}

/** `sync_state` columns both engines have, typed for bulk inserts. */
export const STATE_COLUMNS: readonly InsertColumn[] = [
  ...text('sync_name', 'pk', 'hash', 'status', 'dedup_key'),
  col('row', ColumnType.Json),
  col('run_id', ColumnType.String),
  col('updated_at', ColumnType.Timestamp),
];

/** JSON text of a value for a JSON column, or null. */
export const jsonText = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));

/** A table name Touchline creates for one run: only letters, digits and underscores. */
export function runTable(prefix: 'stage' | 'diff', runId: string): string {
  return `_tl_${prefix}_${runId.replace(/[^a-z0-9]/gi, '_')}`;
}
