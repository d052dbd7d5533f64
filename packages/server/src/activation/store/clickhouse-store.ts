import { randomUUID } from 'node:crypto';
import type { Clock } from '@touchline/destinations';
import type { SqlDialect } from '../../warehouse/dialect/dialect.js';
import { ColumnType } from '../../warehouse/schema.js';
import type { InsertColumn, SqlValue, Warehouse } from '../../warehouse/warehouse.js';
import type { Checkpoint, RunRecord } from './records.js';
import {
  RESULT_COLUMNS,
  RUN_COLUMNS,
  RUN_FIELDS,
  STATE_COLUMNS,
  jsonText,
  resultValues,
  runValues,
  type DiffPlan,
  type SourceColumn,
  type StoreEngine,
} from './store-engine.js';

/**
 * Versions for ReplacingMergeTree rows: microseconds since the epoch, strictly increasing within
 * the process, so a later write of the same key always wins.
 */
function versions(clock: Clock) {
  let last = 0;
  return () => (last = Math.max(clock.now() * 1000, last + 1));
}

const VERSION: InsertColumn = { name: 'version', type: ColumnType.Int };
const STATE_VERSIONED: readonly InsertColumn[] = [...STATE_COLUMNS, { name: 'deleted', type: ColumnType.Int }, VERSION];
const STATE_FIELDS = STATE_VERSIONED.map((c) => c.name).join(', ');

function hashExpr(d: SqlDialect, hashed: readonly (readonly [string, SourceColumn])[]): string {
  const parts = [...hashed]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([dest, col]) => {
      const text = `toString(${d.quoteIdent(col.name)})`;
      // Destination names are configuration: bound like any value.
      return `${d.string(`${dest}=`)}, ifNull(concat(toString(length(${text})), ':', ${text}), '-')`;
    });
  return parts.length === 0 ? `hex(MD5(''))` : `hex(MD5(concat(${parts.join(', ')})))`;
}

function diff(dialect: SqlDialect, diffTable: string, stage: string, syncName: string, plan: DiffPlan) {
  const d = dialect.binding();
  const q = (n: string) => d.quoteIdent(n);
  const cond = plan.ignoreState ? '1' : plan.changes ? `_tl_state_hash = '' OR _tl_state_hash != _tl_hash` : `_tl_state_hash = ''`;
  const parts = [
    `SELECT _tl_pk AS pk, if(_tl_state_hash = '', 'add', 'change') AS op, _tl_hash AS hash
       FROM (SELECT _tl_pk, _tl_hash FROM ${q(stage)})
       ANY LEFT JOIN (SELECT pk AS _tl_pk, hash AS _tl_state_hash FROM sync_state FINAL WHERE sync_name = ${d.string(syncName)} AND deleted = 0) USING _tl_pk
       WHERE ${cond}`,
  ];
  if (plan.removals && !plan.ignoreState) {
    parts.push(
      `SELECT pk, 'remove' AS op, '' AS hash FROM sync_state FINAL
         WHERE sync_name = ${d.string(syncName)} AND deleted = 0 AND pk NOT IN (SELECT _tl_pk FROM ${q(stage)})`,
    );
  }
  return [
    { sql: `DROP TABLE IF EXISTS ${q(diffTable)}`, params: {} },
    { sql: `CREATE TABLE ${q(diffTable)} ENGINE = MergeTree ORDER BY pk AS SELECT pk, op, hash FROM (${parts.join('\nUNION ALL\n')})`, params: d.params },
  ];
}

/**
 * ClickHouse (18.16 and later): no transactions and no in-place updates, so every write is an
 * insert of a newer version, written in an order that makes a crash between two of them harmless
 * (results, then state, then the run's counters: a row whose state was not written is sent
 * again with the same dedup key, and the vendor counts it once).
 */
export function clickhouseStore(warehouse: Warehouse, clock: Clock): StoreEngine {
  const d = warehouse.dialect;
  const q = (n: string) => d.quoteIdent(n);
  const version = versions(clock);
  const saveRun = (run: RunRecord) => warehouse.insertRows('sync_runs', [...RUN_COLUMNS, VERSION], [[...runValues(run), version()]]);
  /** Copies of state rows made by one INSERT … SELECT, with bound values. */
  const copyState = (select: (b: SqlDialect) => string) => {
    const b = d.binding();
    return warehouse.query(`INSERT INTO sync_state (${STATE_FIELDS}) ${select(b)}`, { readOnly: false, params: b.params });
  };
  return {
    describe: () => null,
    stage(table, source, pk, hashed, keep) {
      const b = d.binding('h');
      const cols = keep === '*' ? '*' : keep.map(q).join(', ');
      return [
        { sql: `DROP TABLE IF EXISTS ${q(table)}`, params: {} },
        {
          sql: `CREATE TABLE ${q(table)} ENGINE = MergeTree ORDER BY _tl_pk AS SELECT ifNull(toString(${q(pk)}), '') AS _tl_pk, ${hashExpr(b, hashed)} AS _tl_hash, ${cols} FROM (${source.sql})`,
          params: { ...source.params, ...b.params },
        },
      ];
    },
    tableExists: (table) => ({ sql: `SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = $table`, params: { table } }),
    diff: (diffTable, stage, syncName, plan) => diff(d, diffTable, stage, syncName, plan),
    stateOf: (b, syncName) =>
      `(SELECT sync_name, pk, hash, status, dedup_key, row AS state_row, updated_at FROM sync_state FINAL WHERE sync_name = ${b.string(syncName)} AND deleted = 0)`,
    runs: `(SELECT ${RUN_FIELDS.join(', ')} FROM sync_runs FINAL)`,
    saveRun: async (run) => {
      await saveRun(run);
    },
    async checkpoint(c: Checkpoint, now: number) {
      if (c.results.length > 0) await warehouse.insertRows('sync_row_results', RESULT_COLUMNS, resultValues(c, randomUUID));
      const v = version();
      const rows: SqlValue[][] = [
        ...c.states.map((s) => [c.syncName, s.pk, s.hash, s.status, s.dedupKey, jsonText(s.row), c.runId, now, 0, v]),
        ...c.removals.map((pk) => [c.syncName, pk, '', 'removed', null, null, c.runId, now, 1, v]),
      ];
      if (rows.length > 0) await warehouse.insertRows('sync_state', STATE_VERSIONED, rows);
      if (c.run) await saveRun(c.run);
    },
    async baseline(diffTable, syncName, runId, now) {
      const v = version();
      await copyState(
        (b) => `SELECT ${b.string(syncName)}, pk, hash, 'delivered', NULL, NULL, ${b.string(runId)}, ${b.timestamp(now)}, 0, ${b.value(v)} FROM ${q(diffTable)} WHERE op != 'remove'`,
      );
      await copyState(
        (b) => `SELECT ${b.string(syncName)}, pk, '', 'removed', NULL, NULL, ${b.string(runId)}, ${b.timestamp(now)}, 1, ${b.value(v)} FROM ${q(diffTable)} WHERE op = 'remove'`,
      );
    },
    async resetState(syncName, now) {
      await copyState(
        (b) =>
          `SELECT sync_name, pk, '', 'removed', NULL, NULL, NULL, ${b.timestamp(now)}, 1, ${b.value(version())} FROM sync_state FINAL WHERE sync_name = ${b.string(syncName)} AND deleted = 0`,
      );
    },
  };
}
