import type { AccessTokenProvider, FetchLike, Logger, Row } from '@touchline/destinations';
import type { Clock } from '../../clock/clock.js';
import type { DiffRow, RunRecord } from '../store/records.js';
import type { SyncStore } from '../store/sync-store.js';
import { createDelivery, type Delivery, type DeliveryEnd, type DeliveryRow, type RowOutcome } from './delivery.js';
import { applyMapping, removalRow } from './field-mapping.js';
import { createGroupCommit, type GroupCommit } from './group-commit.js';
import type { RateGate } from './rate-gate.js';
import type { ResolvedSync } from './resolve-sync.js';
import { liveStatus, runCheckpoint, type RunTag } from './run-checkpoint.js';
import { finishedRun, type StopRequest } from './run-finish.js';

/** What a progress bar shows. */
export interface RunProgress {
  readonly runId: string;
  readonly status: RunRecord['status'];
  readonly planned: number;
  readonly done: number;
  readonly delivered: number;
  readonly rejected: number;
  readonly failed: number;
  readonly retrying: number;
  readonly requests: number;
}

export interface RunDeliveryContext {
  readonly store: SyncStore;
  readonly resolved: ResolvedSync;
  /** The destination config to send with (the test-mode config for test runs). */
  readonly config: unknown;
  readonly run: RunRecord;
  readonly stageTable: string;
  readonly diffTable: string;
  readonly fetch: FetchLike;
  readonly clock: Clock;
  readonly auth?: AccessTokenProvider;
  readonly gate: RateGate;
  readonly logger: Logger;
  readonly random?: () => number;
  /** Rows of suppressed persons (src/privacy/): never sent. */
  readonly suppressed?: (row: Row) => boolean;
  readonly pageSize: number;
  readonly onProgress?: (p: RunProgress) => void;
  /** Set by the engine when the run must stop: `paused` keeps it resumable, `cancelled` does not. */
  readonly stopSignal: { onStop(listener: (to: StopRequest['to'], reason: string) => void): void };
}

/** The one mutable state of a run being delivered. */
interface RunState {
  /** The run as last checkpointed. */
  run: RunRecord;
  /** Until when the vendor or the gate holds requests back (epoch ms). */
  throttledUntil: number;
  /** Rows waiting for a retry, as of the last checkpoint. */
  retrying: number;
  stop: StopRequest | null;
}

const HEARTBEAT_MS = 2000;

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

function progressOf(s: RunState): RunProgress {
  const r = s.run;
  return {
    runId: r.runId,
    status: r.status,
    planned: r.plannedAdd + r.plannedChange + r.plannedRemove,
    done: r.delivered + r.rejected + r.failed,
    delivered: r.delivered,
    rejected: r.rejected,
    failed: r.failed,
    retrying: s.retrying,
    requests: r.requests,
  };
}

/** The delivery row of one diff row: the mapped row, or the cleared row of a mirror removal. */
function deliveryRow(r: ResolvedSync, d: DiffRow): DeliveryRow<RunTag> {
  if (d.op === 'remove') {
    const row = removalRow(d.before, d.pk, r.removeKeep, Object.keys(r.sync.mapping ?? {}));
    return { key: d.pk, op: 'remove', row, tag: { hash: '', sent: null } };
  }
  const row = applyMapping(d.row ?? {}, r.sync.mapping);
  return { key: d.pk, op: d.op, row, tag: { hash: d.hash, sent: row } };
}

/** Pages of the diff in key order, into the delivery, until the diff is empty or the run stops. */
async function sendDiff(ctx: RunDeliveryContext, s: RunState, delivery: Delivery<RunTag>): Promise<DeliveryEnd> {
  try {
    let after: string | null = null;
    while (!s.stop) {
      const page = await ctx.store.diffPage(ctx.diffTable, ctx.stageTable, s.run.syncName, after, ctx.pageSize);
      if (page.length === 0) break;
      await delivery.push(page.map((d) => deliveryRow(ctx.resolved, d)));
      after = page[page.length - 1]!.pk;
    }
    return await delivery.finish();
  } catch (error) {
    // Reading the diff failed (the warehouse): stop sending, let requests in flight be recorded.
    delivery.stop('error');
    await delivery.finish().catch((e: unknown) => ctx.logger.error('sync run: delivery did not finish cleanly', { run: s.run.runId, error: errorText(e) }));
    return { kind: 'fatal', reason: errorText(error) };
  }
}

/** The delivery loop for a run, recording every outcome through the group commit. */
function runDelivery(ctx: RunDeliveryContext, s: RunState, commit: GroupCommit<RowOutcome<RunTag>>): Delivery<RunTag> {
  const r = ctx.resolved;
  return createDelivery<RunTag>({
    destination: r.destination,
    config: ctx.config,
    fetch: ctx.fetch,
    clock: ctx.clock,
    ...(ctx.auth ? { auth: ctx.auth } : {}),
    gate: ctx.gate,
    retry: r.sync.retry,
    concurrency: r.sync.concurrency,
    logger: ctx.logger,
    ...(ctx.random ? { random: ctx.random } : {}),
    ...(ctx.suppressed ? { suppressed: ctx.suppressed } : {}),
    onOutcomes: (outcomes) => commit.record(outcomes),
    onActivity(e) {
      if (e.kind === 'throttled') s.throttledUntil = Math.max(s.throttledUntil, ctx.clock.now() + e.waitMs);
    },
  });
}

/**
 * Sends a run's diff: pages of the diff table in key order, through the shared delivery loop,
 * with a checkpoint after every acknowledged request (results, state and counters together).
 * Rows acknowledged before a crash are in the state, so the resumed run's diff no longer holds
 * them; rows in flight at the crash are sent again with the same dedup key. A checkpoint that
 * cannot be written fails the run (mid-run: the delivery stops; the last one: the run is saved
 * `failed` with the reason, never `succeeded`).
 */
export async function deliverRun(ctx: RunDeliveryContext): Promise<RunRecord> {
  const s: RunState = { run: ctx.run, throttledUntil: 0, retrying: 0, stop: null };
  const progress = () => ctx.onProgress?.(progressOf(s));
  let delivery: Delivery<RunTag> | null = null;
  const commit = createGroupCommit<RowOutcome<RunTag>>(async (outcomes) => {
    const now = ctx.clock.now();
    const stats = delivery!.stats();
    const c = runCheckpoint({
      run: s.run, outcomes, now, status: liveStatus(s.run, now, s.throttledUntil),
      requests: ctx.run.requests + stats.requests, keepRow: ctx.resolved.keepRow,
    });
    await ctx.store.checkpoint(c);
    s.run = c.run;
    s.retrying = stats.retrying;
    progress();
  });
  delivery = runDelivery(ctx, s, commit);
  ctx.stopSignal.onStop((to, reason) => {
    s.stop ??= { to, reason };
    delivery.stop(reason);
  });
  const stopHeartbeat = ctx.clock.every(HEARTBEAT_MS, () => {
    // A missed heartbeat loses nothing (the next checkpoint carries the same counters); a run
    // whose heartbeats keep failing fails at its next checkpoint. Logged so it can be seen.
    commit.record([]).catch((e: unknown) => ctx.logger.warn('sync run: heartbeat not written', { run: s.run.runId, error: errorText(e) }));
  });
  let end: DeliveryEnd;
  try {
    progress();
    end = await sendDiff(ctx, s, delivery);
  } finally {
    stopHeartbeat();
  }
  const checkpointError = await commit.record([]).then(
    () => null,
    (e: unknown) => errorText(e),
  );
  if (checkpointError) ctx.logger.error('sync run: last checkpoint not written; the run fails', { run: s.run.runId, error: checkpointError });
  s.run = finishedRun({ run: s.run, end, stop: s.stop, checkpointError, now: ctx.clock.now(), maxAttempts: ctx.resolved.sync.retry.maxAttempts,
    maxRefusedPercent: ctx.resolved.sync.maxRefusedPercent,
  });
  await ctx.store.saveRun(s.run);
  progress();
  return s.run;
}
