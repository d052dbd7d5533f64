import type { QueryResult } from '../../warehouse/warehouse.js';
import { SYNC_RUN_MODES } from '../config/activation-config.js';
import { RUN_STATUS } from './run-status.js';
import { RUN_KINDS, RUN_TRIGGERS, type RunRecord } from './records.js';

/** Query rows as objects by column name. */
export const rowsOf = (r: QueryResult): Record<string, unknown>[] =>
  r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]])));

export const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** JSON columns come back as text (DuckDB JSON, ClickHouse String) or already parsed. */
export function parseJson(v: unknown): Record<string, unknown> | null {
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

/** A `sync_runs` row as a run record; closed sets are checked, never cast. */
export function toRun(r: Record<string, unknown>): RunRecord {
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

