import { randomUUID } from 'node:crypto';
import { TimestampFlavor } from '../../warehouse/clickhouse/clickhouse-features.js';
import { encodeTimestamp } from '../../warehouse/clickhouse/clickhouse-values.js';
import { clickhouseString, quoteIdent } from '../../warehouse/sql-text.js';
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
const s = clickhouseString;

/**
 * Versions for ReplacingMergeTree rows: microseconds since the epoch, strictly increasing within
 * the process, so a later write of the same key always wins.
 */
function versions() {
  let last = 0;
  return () => (last = Math.max(Date.now() * 1000, last + 1));
}

function hashExpr(hashed: readonly (readonly [string, SourceColumn])[]): string {
  const parts = [...hashed]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([dest, col]) => {
      const text = `toString(${q(col.name)})`;
      return `${s(`${dest}=`)}, ifNull(concat(toString(length(${text})), ':', ${text}), '-')`;
    });
  return parts.length === 0 ? `hex(MD5(''))` : `hex(MD5(concat(${parts.join(', ')})))`;
}

/**
 * ClickHouse (18.16 and later): no transactions and no in-place updates, so every write is an
 * insert of a newer version, written in an order that makes a crash between two of them harmless
 * (results, then state, then the run's counters: a row whose state was not written is sent
 * again with the same dedup key, and the vendor counts it once).
 */
export function clickhouseDialect(flavor: TimestampFlavor): ActivationDialect {
  const version = versions();
  const time = (ms: number) => s(encodeTimestamp(ms, flavor) ?? new Date(ms).toISOString());
  const value = (v: string | number | null | { time: number }): string =>
    v === null ? 'NULL' : typeof v === 'number' ? String(v) : typeof v === 'string' ? s(v) : time(v.time);
  const state = (syncName: string) =>
    `(SELECT sync_name, pk, hash, status, dedup_key, row AS state_row, updated_at FROM sync_state FINAL WHERE sync_name = ${s(syncName)} AND deleted = 0)`;
  const STATE_FIELDS = 'sync_name, pk, hash, status, dedup_key, row, run_id, updated_at, deleted, version';

  const saveRun = (run: RunRecord): string[] => [
    `INSERT INTO sync_runs (${RUN_FIELDS.join(', ')}, version) VALUES (${runValues(run).map(value).join(', ')}, ${version()})`,
  ];

  const checkpoint = (c: Checkpoint, now: number): string[] => {
    const out: string[] = [];
    if (c.results.length > 0) {
      const rows = c.results.map((r) =>
        `(${[
          r.runId, r.syncName, r.pk, r.op, r.attempt, r.status, r.code, r.reason, r.field, r.dedupKey, r.httpStatus,
          jsonText(r.request), jsonText(r.answer),
        ].map(value).join(', ')}, ${time(r.at)}, ${s(randomUUID())})`,
      );
      out.push(`INSERT INTO sync_row_results (${RESULT_FIELDS.join(', ')}) VALUES ${rows.join(',\n')}`);
    }
    const v = version();
    const rows = [
      ...c.states.map((st) => `(${[c.syncName, st.pk, st.hash, st.status, st.dedupKey, jsonText(st.row), c.runId].map(value).join(', ')}, ${time(now)}, 0, ${v})`),
      ...c.removals.map((pk) => `(${[c.syncName, pk, '', 'removed', null, null, c.runId].map(value).join(', ')}, ${time(now)}, 1, ${v})`),
    ];
    if (rows.length > 0) out.push(`INSERT INTO sync_state (${STATE_FIELDS}) VALUES ${rows.join(',\n')}`);
    if (c.run) out.push(...saveRun(c.run));
    return out;
  };

  const diff = (diffTable: string, stage: string, syncName: string, plan: DiffPlan): string[] => {
    const cond = plan.ignoreState ? '1' : plan.changes ? `_tl_state_hash = '' OR _tl_state_hash != _tl_hash` : `_tl_state_hash = ''`;
    const parts = [
      `SELECT _tl_pk AS pk, if(_tl_state_hash = '', 'add', 'change') AS op, _tl_hash AS hash
       FROM (SELECT _tl_pk, _tl_hash FROM ${q(stage)})
       ANY LEFT JOIN (SELECT pk AS _tl_pk, hash AS _tl_state_hash FROM sync_state FINAL WHERE sync_name = ${s(syncName)} AND deleted = 0) USING _tl_pk
       WHERE ${cond}`,
    ];
    if (plan.removals && !plan.ignoreState) {
      parts.push(
        `SELECT pk, 'remove' AS op, '' AS hash FROM sync_state FINAL
         WHERE sync_name = ${s(syncName)} AND deleted = 0 AND pk NOT IN (SELECT _tl_pk FROM ${q(stage)})`,
      );
    }
    return [
      `DROP TABLE IF EXISTS ${q(diffTable)}`,
      `CREATE TABLE ${q(diffTable)} ENGINE = MergeTree ORDER BY pk AS SELECT pk, op, hash FROM (${parts.join('\nUNION ALL\n')})`,
    ];
  };

  return {
    engine: 'clickhouse',
    str: s,
    value,
    time,
    describesTypes: false,
    describe: (sourceSql) => `SELECT * FROM (${sourceSql}) LIMIT 0`,
    stage(table, sourceSql, pk, hashed, keep) {
      const cols = keep === '*' ? '*' : keep.map(q).join(', ');
      return [
        `DROP TABLE IF EXISTS ${q(table)}`,
        `CREATE TABLE ${q(table)} ENGINE = MergeTree ORDER BY _tl_pk AS SELECT ifNull(toString(${q(pk)}), '') AS _tl_pk, ${hashExpr(hashed)} AS _tl_hash, ${cols} FROM (${sourceSql})`,
      ];
    },
    stageChecks: (table) => `SELECT count() AS n, count() - uniqExact(_tl_pk) AS duplicates, countIf(_tl_pk = '') AS empty FROM ${q(table)}`,
    diff,
    dropTable: (table) => `DROP TABLE IF EXISTS ${q(table)}`,
    tableExists: (table) => `SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = ${s(table)}`,
    stateOf: state,
    runs: () => `(SELECT ${RUN_FIELDS.join(', ')} FROM sync_runs FINAL)`,
    saveRun: (run) => saveRun(run),
    checkpoint,
    baseline: (diffTable, syncName, runId, now) => {
      const v = version();
      return [
        `INSERT INTO sync_state (${STATE_FIELDS}) SELECT ${s(syncName)}, pk, hash, 'delivered', NULL, NULL, ${s(runId)}, ${time(now)}, 0, ${v} FROM ${q(diffTable)} WHERE op != 'remove'`,
        `INSERT INTO sync_state (${STATE_FIELDS}) SELECT ${s(syncName)}, pk, '', 'removed', NULL, NULL, ${s(runId)}, ${time(now)}, 1, ${v} FROM ${q(diffTable)} WHERE op = 'remove'`,
      ];
    },
    resetState: (syncName, now) => [
      `INSERT INTO sync_state (${STATE_FIELDS}) SELECT sync_name, pk, '', 'removed', NULL, NULL, NULL, ${time(now)}, 1, ${version()} FROM sync_state FINAL WHERE sync_name = ${s(syncName)} AND deleted = 0`,
    ],
  };
}
