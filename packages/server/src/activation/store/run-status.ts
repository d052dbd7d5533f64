/**
 * A sync run's statuses, as `sync_runs.status` stores them (the machine that moves a run between
 * them is engine/run-state.ts). Kept here, with the records, so the store never imports the engine.
 */
export const RUN_STATUS = {
  pending: 'pending',
  running: 'running',
  paused: 'paused',
  rateLimited: 'rate_limited',
  succeeded: 'succeeded',
  partiallyFailed: 'partially_failed',
  failed: 'failed',
  cancelled: 'cancelled',
  awaitingApproval: 'awaiting_approval',
} as const;
export type RunStatus = (typeof RUN_STATUS)[keyof typeof RUN_STATUS];
