import { randomUUID } from 'node:crypto';
import { duckString, quoteIdent } from '../../warehouse/sql-text.js';
import {
  RESULT_FIELDS,
  RUN_FIELDS,
  jsonText,
  runValues,
  type ActivationDialect,
  type DiffPlan,
  type SourceColumn,
} from './dialect.js';
import type { Checkpoint, RunRecord } from './records.js';

const q = quoteIdent;
const time = (ms: number) => `${duckString(new Date(ms).toISOString())}::TIMESTAMPTZ`;
const value = (v: string | number | null | { time: number }): string =>
  v === null ? 'NULL' : typeof v === 'number' ? String(v) : typeof v === 'string' ? duckString(v) : time(v.time);

/**
 * The text a column contributes to the row hash. Timestamps go in as epoch microseconds: the
 * same instant, and casting TIMESTAMPTZ to text is the slowest part of hashing a million rows.
 */
function serialised(column: SourceColumn): string {
  const c = q(column.name);
  const type = (column.type ?? '').toUpperCase();
  if (type === 'VARCHAR') return c;
  if (type.startsWith('TIMESTAMP')) return `CAST(epoch_us(${c}) AS VARCHAR)`;
  return `CAST(${c} AS VARCHAR)`;
}

function hashExpr(hashed: readonly (readonly [string, SourceColumn])[]): string {
  const parts = [...hashed]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([dest, col]) => {
      const text = serialised(col);
      return `${duckString(`${dest}=`)}, coalesce(CAST(length(${text}) AS VARCHAR) || ':' || ${text}, '-')`;
    });
  return parts.length === 0 ? `md5('')` : `md5(concat(${parts.join(', ')}))`;
}

function checkpoint(c: Checkpoint, now: number): string[] {
  const statements: string[] = [];
  if (c.results.length > 0) {
    const rows = c.results.map((r) =>
      `(${[
        r.runId, r.syncName, r.pk, r.op, r.attempt, r.status, r.code, r.reason, r.field, r.dedupKey, r.httpStatus,
        jsonText(r.request), jsonText(r.answer),
      ].map(value).join(', ')}, ${time(r.at)}, ${duckString(randomUUID())})`,
    );
    statements.push(`INSERT INTO sync_row_results (${RESULT_FIELDS.join(', ')}) VALUES ${rows.join(',\n')}`);
  }
  if (c.states.length > 0) {
    const rows = c.states.map(
      (s) => `(${[c.syncName, s.pk, s.hash, s.status, s.dedupKey, jsonText(s.row), c.runId].map(value).join(', ')}, ${time(now)})`,
    );
    statements.push(`INSERT OR REPLACE INTO sync_state (sync_name, pk, hash, status, dedup_key, "row", run_id, updated_at) VALUES ${rows.join(',\n')}`);
  }
  if (c.removals.length > 0) {
    statements.push(`DELETE FROM sync_state WHERE sync_name = ${duckString(c.syncName)} AND pk IN (${c.removals.map(duckString).join(', ')})`);
  }
  if (c.run) statements.push(...saveRun(c.run));
  // One transaction: results, state and counters move together or not at all.
  return [`BEGIN TRANSACTION;\n${statements.join(';\n')};\nCOMMIT`];
}

function saveRun(run: RunRecord): string[] {
  return [`INSERT OR REPLACE INTO sync_runs (${RUN_FIELDS.join(', ')}) VALUES (${runValues(run).map(value).join(', ')})`];
}

function diff(diffTable: string, stage: string, syncName: string, plan: DiffPlan): string[] {
  const state = `(SELECT pk, hash FROM sync_state WHERE sync_name = ${duckString(syncName)})`;
  const changed = plan.ignoreState ? 'TRUE' : plan.changes ? `t.pk IS NULL OR t.hash <> s._tl_hash` : 't.pk IS NULL';
  const parts = [
    `SELECT s._tl_pk AS pk, CASE WHEN t.pk IS NULL THEN 'add' ELSE 'change' END AS op, s._tl_hash AS hash
     FROM ${q(stage)} s LEFT JOIN ${state} t ON t.pk = s._tl_pk
     WHERE ${changed}`,
  ];
  if (plan.removals && !plan.ignoreState) {
    parts.push(`SELECT t.pk, 'remove' AS op, '' AS hash FROM ${state} t ANTI JOIN ${q(stage)} s ON s._tl_pk = t.pk`);
  }
  return [`CREATE OR REPLACE TABLE ${q(diffTable)} AS ${parts.join('\nUNION ALL\n')}`];
}

export const duckdbDialect: ActivationDialect = {
  engine: 'duckdb',
  str: duckString,
  value,
  time,
  describesTypes: true,
  describe: (sourceSql) => `DESCRIBE SELECT * FROM (${sourceSql}) AS _tl_src`,
  stage(table, sourceSql, pk, hashed, keep) {
    const cols = keep === '*' ? '*' : keep.map(q).join(', ');
    return [`CREATE OR REPLACE TABLE ${q(table)} AS SELECT CAST(${q(pk)} AS VARCHAR) AS _tl_pk, ${hashExpr(hashed)} AS _tl_hash, ${cols} FROM (${sourceSql}) AS _tl_src`];
  },
  stageChecks: (table) =>
    `SELECT count(*) AS n, count(*) - count(DISTINCT _tl_pk) AS duplicates, count(*) FILTER (WHERE _tl_pk IS NULL OR _tl_pk = '') AS empty FROM ${q(table)}`,
  diff,
  dropTable: (table) => `DROP TABLE IF EXISTS ${q(table)}`,
  tableExists: (table) => `SELECT count(*) FROM information_schema.tables WHERE table_name = ${duckString(table)}`,
  stateOf: (syncName) => `(SELECT sync_name, pk, hash, status, dedup_key, "row" AS state_row, updated_at FROM sync_state WHERE sync_name = ${duckString(syncName)})`,
  runs: () => 'sync_runs',
  saveRun,
  checkpoint,
  baseline: (diffTable, syncName, runId, now) => [
    `BEGIN TRANSACTION;
INSERT OR REPLACE INTO sync_state (sync_name, pk, hash, status, dedup_key, "row", run_id, updated_at)
  SELECT ${duckString(syncName)}, pk, hash, 'delivered', NULL, NULL, ${duckString(runId)}, ${time(now)} FROM ${q(diffTable)} WHERE op <> 'remove';
DELETE FROM sync_state WHERE sync_name = ${duckString(syncName)} AND pk IN (SELECT pk FROM ${q(diffTable)} WHERE op = 'remove');
COMMIT`,
  ],
  resetState: (syncName) => [`DELETE FROM sync_state WHERE sync_name = ${duckString(syncName)}`],
};
