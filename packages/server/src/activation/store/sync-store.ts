import type { Clock } from '@touchline/destinations';
import type { QueryResult, SqlParams, Statement, Warehouse } from '../../warehouse/warehouse.js';
import { SYNC_RUN_MODES } from '../config/activation-config.js';
import { RUN_STATUS, type RunStatus } from '../engine/run-state.js';
import { clickhouseStore } from './clickhouse-store.js';
import { duckdbStore } from './duckdb-store.js';
import { RUN_KINDS, RUN_TRIGGERS, type Checkpoint, type DiffCounts, type DiffRow, type RunRecord, type StageInfo } from './records.js';
import { RUN_FIELDS, type DiffPlan, type SourceColumn, type StoreEngine } from './store-engine.js';

/** The activation store: runs, state, results, staging and diffs, over the warehouse port. */
export interface SyncStore {
  /** How its tables are kept on this warehouse's engine. */
  readonly engine: StoreEngine;
  /** The columns (and types, where the engine says) of a source query; refuses anything but a read. */
  describe(source: Statement): Promise<SourceColumn[]>;
  stage(table: string, source: Statement, pk: string, hashed: readonly (readonly [string, SourceColumn])[], keep: readonly string[] | '*'): Promise<StageInfo>;
  /** Up to five primary keys that occur more than once, for the error message. */
  duplicateKeys(table: string): Promise<string[]>;
  tableExists(table: string): Promise<boolean>;
  dropTable(table: string): Promise<void>;
  diff(diffTable: string, stageTable: string, syncName: string, plan: DiffPlan): Promise<DiffCounts>;
  /** The next page of the diff after `afterPk` (key order), with staged rows and remembered rows. */
  diffPage(diffTable: string, stageTable: string, syncName: string, afterPk: string | null, limit: number): Promise<DiffRow[]>;
  /** Rows the sync remembers as delivered. */
  deliveredCount(syncName: string): Promise<number>;
  saveRun(run: RunRecord): Promise<void>;
  getRun(runId: string): Promise<RunRecord | null>;
  runs(syncName: string, options?: { limit?: number; statuses?: readonly RunStatus[] }): Promise<RunRecord[]>;
  checkpoint(c: Checkpoint): Promise<void>;
  baseline(diffTable: string, syncName: string, runId: string): Promise<void>;
  resetState(syncName: string): Promise<void>;
  /** Runs read-only SQL (history, row results), values bound. */
  query(sql: string, params?: SqlParams): Promise<QueryResult>;
}

const rowsOf = (r: QueryResult): Record<string, unknown>[] =>
  r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]])));

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** JSON columns come back as text (DuckDB JSON, ClickHouse String) or already parsed. */
function parseJson(v: unknown): Record<string, unknown> | null {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'object') return v as Record<string, unknown>;
  try {
    const parsed = JSON.parse(String(v)) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null; // Touchline writes these columns as JSON; anything else reads as absent
  }
}

/** A closed-set column read back: one of `allowed`, else an error naming the run and the column. */
function oneOf<T extends string>(r: Record<string, unknown>, column: string, allowed: readonly T[]): T {
  const v = String(r[column]);
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw new Error(`sync_runs: run ${String(r['run_id'])} has ${column} ${JSON.stringify(v)}, not one of ${allowed.join(', ')} (written by a newer Touchline?)`);
}

const STATUSES = Object.values(RUN_STATUS);
const MODES: readonly (typeof SYNC_RUN_MODES)[number][] = SYNC_RUN_MODES;

function toRun(r: Record<string, unknown>): RunRecord {
  return {
    runId: String(r['run_id']),
    syncName: String(r['sync_name']),
    kind: oneOf(r, 'kind', RUN_KINDS),
    status: oneOf(r, 'status', STATUSES),
    trigger: oneOf(r, 'trigger', RUN_TRIGGERS),
    mode: oneOf(r, 'mode', MODES),
    destination: String(r['destination'] ?? ''),
    startedAt: String(r['started_at']),
    finishedAt: strOrNull(r['finished_at']),
    heartbeatAt: strOrNull(r['heartbeat_at']),
    owner: strOrNull(r['owner']),
    stageTable: strOrNull(r['stage_table']),
    plannedAdd: num(r['planned_add']),
    plannedChange: num(r['planned_change']),
    plannedRemove: num(r['planned_remove']),
    delivered: num(r['delivered']),
    rejected: num(r['rejected']),
    failed: num(r['failed']),
    requests: num(r['requests']),
    resumes: num(r['resumes']),
    error: strOrNull(r['error']),
    details: parseJson(r['details']) ?? {},
  };
}

/** The store for a warehouse: SQL in its dialect, tables kept as its engine keeps them. */
export function createSyncStore(warehouse: Warehouse, clock: Clock): SyncStore {
  const engine = warehouse.engine === 'clickhouse' ? clickhouseStore(warehouse, clock) : duckdbStore(warehouse);
  const d = warehouse.dialect;
  const write = async (statements: readonly Statement[]) => {
    for (const s of statements) await warehouse.query(s.sql, { readOnly: false, params: s.params });
  };
  const read = (sql: string, params: SqlParams = {}) => warehouse.query(sql, { params });
  const q = (name: string) => d.quoteIdent(name);

  return {
    engine,
    async describe(source) {
      // Run through the read-only path first: a source must be a read query.
      const probe = await read(`SELECT * FROM (${source.sql}) AS _tl_probe LIMIT 0`, source.params);
      const described = engine.describe(source);
      if (!described) return probe.columns.map((name) => ({ name, type: null }));
      const r = await read(described.sql, described.params);
      return r.rows.map((row) => ({ name: String(row[0]), type: String(row[1]) }));
    },
    async stage(table, source, pk, hashed, keep) {
      await write(engine.stage(table, source, pk, hashed, keep));
      const checks =
        rowsOf(
          await read(
            `SELECT count(*) AS n, count(*) - ${d.countDistinct('_tl_pk')} AS duplicates, ${d.countIf(`_tl_pk IS NULL OR _tl_pk = ''`)} AS empty FROM ${q(table)}`,
          ),
        )[0] ?? {};
      const cols = await read(`SELECT * FROM ${q(table)} LIMIT 0`);
      if (num(checks['empty']) > 0) {
        throw new StageError(`primary key is null or empty in ${num(checks['empty'])} row(s)`, 'EMPTY_PRIMARY_KEY');
      }
      if (num(checks['duplicates']) > 0) {
        const dups = await this.duplicateKeys(table);
        throw new StageError(
          `primary key is not unique: ${num(checks['duplicates'])} duplicate row(s), e.g. ${dups.map((d) => JSON.stringify(d)).join(', ')}`,
          'NON_UNIQUE_PRIMARY_KEY',
        );
      }
      return { table, rows: num(checks['n']), columns: cols.columns.filter((c) => !c.startsWith('_tl_')) };
    },
    async duplicateKeys(table) {
      const r = await read(`SELECT _tl_pk FROM ${q(table)} GROUP BY _tl_pk HAVING count(*) > 1 ORDER BY _tl_pk LIMIT 5`);
      return r.rows.map((row) => String(row[0]));
    },
    async tableExists(table) {
      const s = engine.tableExists(table);
      const r = await read(s.sql, s.params);
      return num(r.rows[0]?.[0]) > 0;
    },
    dropTable: (table) => write([{ sql: `DROP TABLE IF EXISTS ${q(table)}`, params: {} }]),
    async diff(diffTable, stageTable, syncName, plan) {
      await write(engine.diff(diffTable, stageTable, syncName, plan));
      const r = await read(`SELECT op, count(*) AS n FROM ${q(diffTable)} GROUP BY op`);
      const counts = { add: 0, change: 0, remove: 0 };
      for (const [op, n] of r.rows) counts[String(op) as keyof DiffCounts] = num(n);
      return counts;
    },
    async diffPage(diffTable, stageTable, syncName, afterPk, limit) {
      const after = afterPk === null ? '' : `WHERE pk > $after`;
      const page = await read(`SELECT pk, op, hash FROM ${q(diffTable)} ${after} ORDER BY pk LIMIT ${Math.max(1, Math.floor(limit))}`, afterPk === null ? {} : { after: afterPk });
      if (page.rows.length === 0) return [];
      const keys = page.rows.map((r) => String(r[0]));
      const staged = new Map<string, Record<string, unknown>>();
      const needStage = page.rows.some((r) => r[1] !== 'remove');
      if (needStage) {
        // Primary keys are the source's data: bound, the range first so ClickHouse reads few granules.
        const b = d.binding();
        const range = `_tl_pk >= ${b.string(keys[0]!)} AND _tl_pk <= ${b.string(keys[keys.length - 1]!)}`;
        const inKeys = keys.map((k) => b.string(k)).join(', ');
        for (const row of rowsOf(await read(`SELECT * FROM ${q(stageTable)} WHERE ${range} AND _tl_pk IN (${inKeys})`, b.params))) {
          const pk = String(row['_tl_pk']);
          delete row['_tl_pk'];
          delete row['_tl_hash'];
          staged.set(pk, row);
        }
      }
      const before = new Map<string, Record<string, unknown> | null>();
      const remembered = keys.filter((_, i) => page.rows[i]![1] !== 'add');
      if (remembered.length > 0) {
        const b = d.binding();
        const r = await read(`SELECT pk, state_row FROM ${engine.stateOf(b, syncName)} AS st WHERE pk IN (${remembered.map((k) => b.string(k)).join(', ')})`, b.params);
        for (const [pk, row] of r.rows) before.set(String(pk), parseJson(row));
      }
      return page.rows.map(([pk, op, hash]) => ({
        pk: String(pk),
        op: String(op) as DiffRow['op'],
        hash: String(hash),
        row: staged.get(String(pk)) ?? null,
        before: before.get(String(pk)) ?? null,
      }));
    },
    async deliveredCount(syncName) {
      const b = d.binding();
      const r = await read(`SELECT count(*) FROM ${engine.stateOf(b, syncName)} AS st WHERE status = 'delivered'`, b.params);
      return num(r.rows[0]?.[0]);
    },
    saveRun: (run) => engine.saveRun(run),
    async getRun(runId) {
      const r = rowsOf(await read(`SELECT ${RUN_FIELDS.join(', ')} FROM ${engine.runs} AS r WHERE run_id = $run`, { run: runId }));
      return r[0] ? toRun(r[0]) : null;
    },
    async runs(syncName, options = {}) {
      const b = d.binding();
      const statuses = options.statuses?.length ? ` AND status IN (${options.statuses.map((s) => b.string(s)).join(', ')})` : '';
      const limit = options.limit ? ` LIMIT ${b.value(Math.floor(options.limit))}` : '';
      const r = await read(
        `SELECT ${RUN_FIELDS.join(', ')} FROM ${engine.runs} AS r WHERE sync_name = ${b.string(syncName)}${statuses} ORDER BY started_at DESC, run_id DESC${limit}`,
        b.params,
      );
      return rowsOf(r).map(toRun);
    },
    checkpoint: (c) => engine.checkpoint(c, clock.now()),
    baseline: (diffTable, syncName, runId) => engine.baseline(diffTable, syncName, runId, clock.now()),
    resetState: (syncName) => engine.resetState(syncName, clock.now()),
    query: read,
  };
}

/** The staged source cannot be synced as it is (a key problem); the message says what to fix. */
export class StageError extends Error {
  override readonly name = 'StageError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}
