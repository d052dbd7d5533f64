import { RUN_STATUS, type RunStatus } from '../store/run-status.js';

/**
 * A sync run's states (Grouparoo's Run / Export state machine, activation-contracts.md §12.3):
 *
 *   pending ──> running ──> succeeded | partially_failed | failed | cancelled
 *                 │ ^
 *                 v │
 *        paused, rate_limited
 *
 * - `pending`: created, the source is being staged.
 * - `running`: rows are being sent.
 * - `rate_limited`: running, but held back by the vendor's limits (a 429, or the account's gate
 *   waiting more than a second); back to `running` with the next request.
 * - `paused`: stopped on purpose (shutdown, Ctrl-C) or found interrupted (the process died);
 *   the next `sync run` (or server start) resumes it with its staged rows.
 * - `succeeded`: every row is delivered or refused for good; `failed`: the run stopped on an
 *   error, a guard, or rows still undelivered after every retry (they go again next run);
 *   `cancelled`: stopped by a user and not to be resumed.
 * - `awaiting_approval`: planned, and stopped before sending because it crossed an approval
 *   trigger (src/approvals/); its diff and requests wait in the control store. Final for this run:
 *   the approval starts a new run, which sends only if its diff is still the approved one.
 * - `partially_failed`: every row has its answer, but the vendor refused more of them than the
 *   sync's `maxRefusedPercent` allows: the data (or the mapping) needs a look. A late verdict
 *   from the vendor (asynchronous outcomes) can move a finished run between `succeeded` and
 *   `partially_failed` (`reassessed`, run-refusals.ts): the only change a finished run takes.
 */
export { RUN_STATUS, type RunStatus };

const NEXT: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  pending: ['running', 'paused', 'failed', 'cancelled', 'awaiting_approval'],
  running: ['rate_limited', 'paused', 'succeeded', 'partially_failed', 'failed', 'cancelled'],
  rate_limited: ['running', 'paused', 'succeeded', 'partially_failed', 'failed', 'cancelled'],
  paused: ['running', 'failed', 'cancelled'],
  succeeded: [],
  partially_failed: [],
  failed: [],
  cancelled: [],
  awaiting_approval: [],
};

/** Statuses a run can be resumed from (a `running` one only when its process is gone). */
export const OPEN_STATUSES: readonly RunStatus[] = ['pending', 'running', 'rate_limited', 'paused'];

export const isFinished = (s: RunStatus): boolean => NEXT[s].length === 0;

export const canMove = (from: RunStatus, to: RunStatus): boolean => from === to || NEXT[from].includes(to);

/** A move the machine does not allow: a bug in the engine, not a user error. */
export class RunTransitionError extends Error {
  override readonly name = 'RunTransitionError';
}

/** Moves a run to `to`, refusing moves the machine does not allow. */
export function transition<R extends { readonly status: RunStatus; readonly runId: string }>(run: R, to: RunStatus, patch: Partial<R> = {}): R {
  if (!canMove(run.status, to)) throw new RunTransitionError(`run ${run.runId}: cannot go from ${run.status} to ${to}`);
  return { ...run, ...patch, status: to };
}

/** Interrupted runs (found `running` with their process gone) are resumed through `paused`. */
export function asInterrupted<R extends { readonly status: RunStatus; readonly runId: string }>(run: R): R {
  return run.status === 'paused' ? run : transition(run, 'paused');
}
