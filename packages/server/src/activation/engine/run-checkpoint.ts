import { rowCodes } from '@touchline/destinations';
import type { Checkpoint, ResultRecord, ResultStatus, RunRecord, StateRecord } from '../store/records.js';
import type { RowOutcome } from './delivery.js';
import { WITHHELD_CODES, withheldOf } from './run-refusals.js';
import { transition } from './run-state.js';

/** What a sync run carries with each row through the delivery. */
export interface RunTag {
  /** The staged row's hash (empty for a removal). */
  readonly hash: string;
  /** The destination row sent, kept in the state for CRMs. */
  readonly sent: Readonly<Record<string, unknown>> | null;
}

/** The status a result row records: the final one, or why the row goes again. */
export function resultStatus(o: RowOutcome<unknown>): ResultStatus {
  if (o.final === 'delivered' && o.result.receipt) return 'accepted';
  if (o.final) return o.final;
  if (o.result.status === 'rejected') return 'isolating';
  return o.result.status === 'rate_limited' ? 'rate_limited' : 'retrying';
}

/** The `sync_row_results` record of one outcome (syncs and forwarding alike). */
export function resultRecord(where: { readonly runId: string; readonly syncName: string }, o: RowOutcome<unknown>, at: number): ResultRecord {
  const r = o.result;
  return {
    runId: where.runId,
    syncName: where.syncName,
    pk: o.row.key,
    op: o.row.op,
    attempt: o.attempt,
    status: resultStatus(o),
    // Map's refusals were never sent (attempt 0): their code names a data problem.
    ...rowCodes(r, o.attempt > 0 ? 'sent' : 'before-send'),
    reason: r.reason ?? null,
    field: r.field ?? null,
    dedupKey: r.dedupKey ?? null,
    httpStatus: r.answer?.httpStatus ?? null,
    request: r.sent ?? null,
    answer: r.answer?.body ?? null,
    receipt: o.final === 'delivered' ? (r.receipt ?? null) : null,
    at,
  };
}

/** The state a final outcome leaves its key in: a state row, a removal, or nothing. */
function stateChange(run: RunRecord, o: RowOutcome<RunTag>, keepRow: boolean): StateRecord | { readonly removed: string } | null {
  // Test runs never touch the state: the vendor counted nothing. Failed rows go again next run.
  if (run.kind !== 'run' || o.final === null || o.final === 'failed') return null;
  if (o.row.op === 'remove') return o.final === 'delivered' ? { removed: o.row.key } : null;
  return { pk: o.row.key, hash: o.row.tag.hash, status: o.final, dedupKey: o.result.dedupKey ?? null, row: keepRow ? o.row.tag.sent : null };
}

export interface CheckpointInput {
  readonly run: RunRecord;
  readonly outcomes: readonly RowOutcome<RunTag>[];
  readonly now: number;
  /** Where the run stands while sending: `running`, or `rate_limited` while held back. */
  readonly status: RunRecord['status'];
  /** Requests made by the run in all its attempts so far (resumes included). */
  readonly requests: number;
  /** Keep the sent row in the state (CRMs). */
  readonly keepRow: boolean;
}

/**
 * One checkpoint of a run, built without I/O: the outcomes' result rows, the state of every
 * final row, removals, and the run with its counters moved on. Written together by the store.
 */
export function runCheckpoint(i: CheckpointInput): Checkpoint & { readonly run: RunRecord } {
  const results: ResultRecord[] = [];
  const states: StateRecord[] = [];
  const removals: string[] = [];
  let { delivered, rejected, failed } = i.run;
  let withheld = withheldOf(i.run);
  for (const o of i.outcomes) {
    results.push(resultRecord(i.run, o, i.now));
    if (o.final === 'delivered') delivered++;
    else if (o.final === 'rejected') rejected++;
    if (o.final === 'rejected' && o.result.code !== undefined && WITHHELD_CODES.has(o.result.code)) withheld++;
    else if (o.final === 'failed') failed++;
    const change = stateChange(i.run, o, i.keepRow);
    if (change && 'removed' in change) removals.push(change.removed);
    else if (change) states.push(change);
  }
  const details = withheld === withheldOf(i.run) ? i.run.details : { ...i.run.details, withheld };
  const run = transition(i.run, i.status, { delivered, rejected, failed, details, requests: i.requests, heartbeatAt: new Date(i.now).toISOString() });
  return { syncName: i.run.syncName, runId: i.run.runId, results, states, removals, run };
}

/** A sending run's live status: `rate_limited` while the vendor or the gate holds it back. */
export function liveStatus(run: RunRecord, now: number, throttledUntil: number): RunRecord['status'] {
  if (run.status !== 'running' && run.status !== 'rate_limited') return run.status;
  return now < throttledUntil ? 'rate_limited' : 'running';
}
