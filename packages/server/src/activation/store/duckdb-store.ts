import { randomUUID } from 'node:crypto';
import { ColumnType } from '../../warehouse/schema.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import type { SqlDialect } from '../../warehouse/dialect/dialect.js';
import type { Checkpoint } from './records.js';
import {
  RESULT_COLUMNS,
  RUN_COLUMNS,
  STATE_COLUMNS,
  jsonText,
  resultValues,
  runValues,
  type DiffPlan,
  type SourceColumn,
  type StoreEngine,
} from './store-engine.js';

/**
 * The text a column contributes to the row hash. Timestamps go in as epoch microseconds: the
 * same instant, and casting TIMESTAMPTZ to text is the slowest part of hashing a million rows.
 */
function serialised(d: SqlDialect, column: SourceColumn): string {
  const c = d.quoteIdent(column.name);
  const type = (column.type ?? '').toUpperCase();
  if (type === 'VARCHAR') return c;
  if (type.startsWith('TIMESTAMP')) return `CAST(epoch_us(${c}) AS VARCHAR)`;
  return `CAST(${c} AS VARCHAR)`;
}

function hashExpr(d: SqlDialect, hashed: readonly (readonly [string, SourceColumn])[]): string {
  const parts = [...hashed]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([dest, col]) => {
      const text = serialised(d, col);
      // Destination names are configuration: bound like any value.
      return `${d.string(`${dest}=`)}, coalesce(CAST(length(${text}) AS VARCHAR) || ':' || ${text}, '-')`;
    });
  return parts.length === 0 ? `md5('')` : `md5(concat(${parts.join(', ')}))`;
}

function diff(dialect: SqlDialect, diffTable: string, stage: string, syncName: string, plan: DiffPlan) {
  const d = dialect.binding();
  const q = (n: string) => d.quoteIdent(n);
  const state = `(SELECT pk, hash FROM sync_state WHERE sync_name = ${d.string(syncName)})`;
  const changed = plan.ignoreState ? 'TRUE' : plan.changes ? `t.pk IS NULL OR t.hash <> s._tl_hash` : 't.pk IS NULL';
  const parts = [
    `SELECT s._tl_pk AS pk, CASE WHEN t.pk IS NULL THEN 'add' ELSE 'change' END AS op, s._tl_hash AS hash
     FROM ${q(stage)} s LEFT JOIN ${state} t ON t.pk = s._tl_pk
     WHERE ${changed}`,
  ];
  if (plan.removals && !plan.ignoreState) {
    parts.push(`SELECT t.pk, 'remove' AS op, '' AS hash FROM ${state} t ANTI JOIN ${q(stage)} s ON s._tl_pk = t.pk`);
  }
  return [{ sql: `CREATE OR REPLACE TABLE ${q(diffTable)} AS ${parts.join('\nUNION ALL\n')}`, params: d.params }];
}

/** DuckDB: tables updated in place, every checkpoint one transaction. */
export function duckdbStore(warehouse: Warehouse): StoreEngine {
  const d = warehouse.dialect;
  const q = (n: string) => d.quoteIdent(n);
  return {
    describe: (source) => ({ sql: `DESCRIBE SELECT * FROM (${source.sql}) AS _tl_src`, params: source.params }),
    stage(table, source, pk, hashed, keep) {
      // The source's placeholders ($pN) and the hash's ($hN) stay apart.
      const b = d.binding('h');
      const cols = keep === '*' ? '*' : keep.map(q).join(', ');
      const sql = `CREATE OR REPLACE TABLE ${q(table)} AS SELECT CAST(${q(pk)} AS VARCHAR) AS _tl_pk, ${hashExpr(b, hashed)} AS _tl_hash, ${cols} FROM (${source.sql}) AS _tl_src`;
      return [{ sql, params: { ...source.params, ...b.params } }];
    },
    tableExists: (table) => ({ sql: `SELECT count(*) FROM information_schema.tables WHERE table_name = $table`, params: { table } }),
    diff: (diffTable, stage, syncName, plan) => diff(d, diffTable, stage, syncName, plan),
    stateOf: (b, syncName) => `(SELECT sync_name, pk, hash, status, dedup_key, "row" AS state_row, updated_at FROM sync_state WHERE sync_name = ${b.string(syncName)})`,
    runs: 'sync_runs',
    saveRun: async (run) => {
      await warehouse.insertRows('sync_runs', RUN_COLUMNS, [runValues(run)], { upsert: true });
    },
    // One transaction: results, state and counters move together or not at all.
    checkpoint: (c: Checkpoint, now: number) =>
      warehouse.transaction(async (tx) => {
        if (c.results.length > 0) await tx.insertRows('sync_row_results', RESULT_COLUMNS, resultValues(c, randomUUID));
        if (c.states.length > 0) {
          const rows = c.states.map((s) => [c.syncName, s.pk, s.hash, s.status, s.dedupKey, jsonText(s.row), c.runId, now]);
          await tx.insertRows('sync_state', STATE_COLUMNS, rows, { upsert: true });
        }
        if (c.removals.length > 0) {
          await tx.run(`CREATE OR REPLACE TEMP TABLE _tl_removed (pk VARCHAR)`);
          await tx.insertRows('_tl_removed', [{ name: 'pk', type: ColumnType.String }], c.removals.map((pk) => [pk]));
          await tx.run(`DELETE FROM sync_state WHERE sync_name = $sync AND pk IN (SELECT pk FROM _tl_removed)`, { sync: c.syncName });
          await tx.run('DROP TABLE _tl_removed');
        }
        if (c.run) await tx.insertRows('sync_runs', RUN_COLUMNS, [runValues(c.run)], { upsert: true });
      }),
    baseline: (diffTable, syncName, runId, now) =>
      warehouse.transaction(async (tx) => {
        const b = d.binding();
        await tx.run(
          `INSERT OR REPLACE INTO sync_state (sync_name, pk, hash, status, dedup_key, "row", run_id, updated_at)
  SELECT ${b.string(syncName)}, pk, hash, 'delivered', NULL, NULL, ${b.string(runId)}, ${b.timestamp(now)} FROM ${q(diffTable)} WHERE op <> 'remove'`,
          b.params,
        );
        await tx.run(`DELETE FROM sync_state WHERE sync_name = $sync AND pk IN (SELECT pk FROM ${q(diffTable)} WHERE op = 'remove')`, { sync: syncName });
      }),
    resetState: async (syncName) => {
      await warehouse.query(`DELETE FROM sync_state WHERE sync_name = $sync`, { readOnly: false, params: { sync: syncName } });
    },
  };
}
