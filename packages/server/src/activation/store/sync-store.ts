import type { Clock } from '@touchline/destinations';
import type { SqlDialect } from '../../warehouse/dialect/dialect.js';
import type { QueryResult, SqlParams, Statement, Warehouse } from '../../warehouse/warehouse.js';
import type { RunStatus } from './run-status.js';
import { clickhouseStore } from './clickhouse-store.js';
import { duckdbStore } from './duckdb-store.js';
import type { Checkpoint, DiffCounts, DiffRow, RunRecord, StageInfo } from './records.js';
import { num, parseJson, rowsOf, toRun } from './run-rows.js';
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

/** What the store's reading steps need. */
interface StorePorts {
  readonly engine: StoreEngine;
  readonly dialect: SqlDialect;
  read(sql: string, params?: SqlParams): Promise<QueryResult>;
}

const duplicateKeys = async (p: StorePorts, table: string): Promise<string[]> => {
  const r = await p.read(`SELECT _tl_pk FROM ${p.dialect.quoteIdent(table)} GROUP BY _tl_pk HAVING count(*) > 1 ORDER BY _tl_pk LIMIT 5`);
  return r.rows.map((row) => String(row[0]));
};

/** Counts a staged table and refuses empty or duplicate primary keys, naming examples. */
async function checkStage(p: StorePorts, table: string): Promise<StageInfo> {
  const d = p.dialect;
  const t = d.quoteIdent(table);
  const checks =
    rowsOf(await p.read(`SELECT count(*) AS n, count(*) - ${d.countDistinct('_tl_pk')} AS duplicates, ${d.countIf(`_tl_pk IS NULL OR _tl_pk = ''`)} AS empty FROM ${t}`))[0] ?? {};
  const cols = await p.read(`SELECT * FROM ${t} LIMIT 0`);
  if (num(checks['empty']) > 0) {
    throw new StageError(`primary key is null or empty in ${num(checks['empty'])} row(s)`, 'EMPTY_PRIMARY_KEY');
  }
  if (num(checks['duplicates']) > 0) {
    const dups = await duplicateKeys(p, table);
    throw new StageError(
      `primary key is not unique: ${num(checks['duplicates'])} duplicate row(s), e.g. ${dups.map((k) => JSON.stringify(k)).join(', ')}`,
      'NON_UNIQUE_PRIMARY_KEY',
    );
  }
  return { table, rows: num(checks['n']), columns: cols.columns.filter((c) => !c.startsWith('_tl_')) };
}

/** The staged rows of some keys, without Touchline's own columns. */
async function stagedRows(p: StorePorts, stageTable: string, keys: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
  // Primary keys are the source's data: bound, the range first so ClickHouse reads few granules.
  const b = p.dialect.binding();
  const range = `_tl_pk >= ${b.string(keys[0]!)} AND _tl_pk <= ${b.string(keys[keys.length - 1]!)}`;
  const inKeys = keys.map((k) => b.string(k)).join(', ');
  const staged = new Map<string, Record<string, unknown>>();
  for (const row of rowsOf(await p.read(`SELECT * FROM ${p.dialect.quoteIdent(stageTable)} WHERE ${range} AND _tl_pk IN (${inKeys})`, b.params))) {
    const pk = String(row['_tl_pk']);
    delete row['_tl_pk'];
    delete row['_tl_hash'];
    staged.set(pk, row);
  }
  return staged;
}

/** What the sync last sent for some keys (kept for CRMs). */
async function rememberedRows(p: StorePorts, syncName: string, keys: readonly string[]): Promise<Map<string, Record<string, unknown> | null>> {
  const before = new Map<string, Record<string, unknown> | null>();
  if (keys.length === 0) return before;
  const b = p.dialect.binding();
  const r = await p.read(`SELECT pk, state_row FROM ${p.engine.stateOf(b, syncName)} AS st WHERE pk IN (${keys.map((k) => b.string(k)).join(', ')})`, b.params);
  for (const [pk, row] of r.rows) before.set(String(pk), parseJson(row));
  return before;
}

interface PageRequest {
  readonly diffTable: string;
  readonly stageTable: string;
  readonly syncName: string;
  readonly afterPk: string | null;
  readonly limit: number;
}

/** The next page of a diff after `afterPk` (key order), with staged rows and remembered rows. */
async function readDiffPage(p: StorePorts, req: PageRequest): Promise<DiffRow[]> {
  const after = req.afterPk === null ? '' : `WHERE pk > $after`;
  const page = await p.read(
    `SELECT pk, op, hash FROM ${p.dialect.quoteIdent(req.diffTable)} ${after} ORDER BY pk LIMIT ${Math.max(1, Math.floor(req.limit))}`,
    req.afterPk === null ? {} : { after: req.afterPk },
  );
  if (page.rows.length === 0) return [];
  const keys = page.rows.map((r) => String(r[0]));
  const staged = page.rows.some((r) => r[1] !== 'remove') ? await stagedRows(p, req.stageTable, keys) : new Map<string, Record<string, unknown>>();
  const before = await rememberedRows(p, req.syncName, keys.filter((_, i) => page.rows[i]![1] !== 'add'));
  return page.rows.map(([pk, op, hash]) => ({
    pk: String(pk),
    op: String(op) as DiffRow['op'],
    hash: String(hash),
    row: staged.get(String(pk)) ?? null,
    before: before.get(String(pk)) ?? null,
  }));
}

/** A sync's runs, newest first, of the given statuses (every value bound). */
async function runsOf(p: StorePorts, syncName: string, options: Parameters<SyncStore['runs']>[1] = {}): Promise<RunRecord[]> {
  const b = p.dialect.binding();
  const statuses = options.statuses?.length ? ` AND status IN (${options.statuses.map((s) => b.string(s)).join(', ')})` : '';
  const limit = options.limit ? ` LIMIT ${b.value(Math.floor(options.limit))}` : '';
  const r = await p.read(
    `SELECT ${RUN_FIELDS.join(', ')} FROM ${p.engine.runs} AS r WHERE sync_name = ${b.string(syncName)}${statuses} ORDER BY started_at DESC, run_id DESC${limit}`,
    b.params,
  );
  return rowsOf(r).map(toRun);
}

/**
 * The store for a warehouse: SQL in its dialect, tables kept as its engine keeps them: one-line
 * adapters over the engine and the reading steps above (checkStage, readDiffPage, runsOf).
 */
export function createSyncStore(warehouse: Warehouse, clock: Clock): SyncStore {
  const engine = warehouse.engine === 'clickhouse' ? clickhouseStore(warehouse, clock) : duckdbStore(warehouse);
  const d = warehouse.dialect;
  const write = async (statements: readonly Statement[]) => {
    for (const s of statements) await warehouse.query(s.sql, { readOnly: false, params: s.params });
  };
  const read = (sql: string, params: SqlParams = {}) => warehouse.query(sql, { params });
  const q = (name: string) => d.quoteIdent(name);
  const ports: StorePorts = { engine, dialect: d, read };

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
      return checkStage(ports, table);
    },
    duplicateKeys: (table) => duplicateKeys(ports, table),
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
    diffPage: (diffTable, stageTable, syncName, afterPk, limit) => readDiffPage(ports, { diffTable, stageTable, syncName, afterPk, limit }),
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
    runs: (syncName, options = {}) => runsOf(ports, syncName, options),
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
