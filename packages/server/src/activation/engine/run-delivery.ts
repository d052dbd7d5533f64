import type { Clock, FetchLike, Logger } from '@touchline/destinations';
import type { Checkpoint, DiffRow, ResultRecord, RunRecord, StateRecord } from '../store/records.js';
import type { SyncStore } from '../store/sync-store.js';
import { createDelivery, type DeliveryEnd, type DeliveryRow, type RowOutcome } from './delivery.js';
import { applyMapping, removalRow } from './field-mapping.js';
import type { Sleep } from './notifier.js';
import type { RateGate } from './rate-gate.js';
import type { ResolvedSync } from './resolve-sync.js';
import { transition } from './run-state.js';

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
  readonly gate: RateGate;
  readonly logger: Logger;
  readonly sleep?: Sleep;
  readonly random?: () => number;
  readonly pageSize: number;
  readonly onProgress?: (p: RunProgress) => void;
  /** Set by the engine when the run must stop: `paused` keeps it resumable, `cancelled` does not. */
  readonly stopSignal: { onStop(listener: (to: 'paused' | 'cancelled', reason: string) => void): void };
}

interface Tag {
  readonly hash: string;
  readonly sent: Readonly<Record<string, unknown>> | null;
}

const HEARTBEAT_MS = 2000;

/** The result record for one outcome. */
function resultRecord(run: RunRecord, o: RowOutcome<Tag>, at: number): ResultRecord {
  const r = o.result;
  const status = o.final ?? (r.status === 'rejected' ? 'isolating' : r.status === 'rate_limited' ? 'rate_limited' : 'retrying');
  return {
    runId: run.runId,
    syncName: run.syncName,
    pk: o.row.key,
    op: o.row.op,
    attempt: o.attempt,
    status,
    code: r.code ?? null,
    reason: r.reason ?? null,
    field: r.field ?? null,
    dedupKey: r.dedupKey ?? null,
    httpStatus: r.answer?.httpStatus ?? null,
    request: r.sent ?? null,
    answer: r.answer?.body ?? null,
    at,
  };
}

/**
 * Sends a run's diff: pages of the diff table in key order, through the shared delivery loop,
 * with a checkpoint after every acknowledged request (results, state and counters together).
 * Rows acknowledged before a crash are in the state, so the resumed run's diff no longer holds
 * them; rows in flight at the crash are sent again with the same dedup key.
 */
export async function deliverRun(ctx: RunDeliveryContext): Promise<RunRecord> {
  const { store, resolved, clock } = ctx;
  let run = ctx.run;
  let throttledUntil = 0;
  const pending: RowOutcome<Tag>[] = [];
  let writing: Promise<void> | null = null;
  let waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  let retrying = 0;

  const progress = () =>
    ctx.onProgress?.({
      runId: run.runId,
      status: run.status,
      planned: run.plannedAdd + run.plannedChange + run.plannedRemove,
      done: run.delivered + run.rejected + run.failed,
      delivered: run.delivered,
      rejected: run.rejected,
      failed: run.failed,
      retrying,
      requests: run.requests,
    });

  /** Group commit: every outcome waiting when a write starts goes into that one checkpoint. */
  async function flushLoop(): Promise<void> {
    while (pending.length > 0 || waiters.length > 0) {
      const batch = pending.splice(0);
      const done = waiters;
      waiters = [];
      try {
        await writeCheckpoint(batch);
        done.forEach((w) => w.resolve());
      } catch (error) {
        done.forEach((w) => w.reject(error));
      }
    }
    writing = null;
  }
  function record(outcomes: readonly RowOutcome<Tag>[]): Promise<void> {
    pending.push(...outcomes);
    return new Promise<void>((resolve, reject) => {
      waiters.push({ resolve, reject });
      writing ??= flushLoop();
    });
  }

  async function writeCheckpoint(outcomes: readonly RowOutcome<Tag>[]): Promise<void> {
    const now = clock.now();
    const results: ResultRecord[] = [];
    const states: StateRecord[] = [];
    const removals: string[] = [];
    let { delivered, rejected, failed } = run;
    for (const o of outcomes) {
      results.push(resultRecord(run, o, now));
      if (o.final === 'delivered') delivered++;
      else if (o.final === 'rejected') rejected++;
      else if (o.final === 'failed') failed++;
      // Test runs never touch the state: the vendor counted nothing.
      if (run.kind !== 'run' || o.final === null || o.final === 'failed') continue;
      if (o.row.op === 'remove') {
        if (o.final === 'delivered') removals.push(o.row.key);
        continue;
      }
      states.push({
        pk: o.row.key,
        hash: o.row.tag.hash,
        status: o.final,
        dedupKey: o.result.dedupKey ?? null,
        row: resolved.keepRow ? o.row.tag.sent : null,
      });
    }
    const status = run.status === 'running' || run.status === 'rate_limited' ? (now < throttledUntil ? 'rate_limited' : 'running') : run.status;
    const next = transition(run, status, {
      delivered,
      rejected,
      failed,
      requests: ctx.run.requests + delivery.stats().requests,
      heartbeatAt: new Date(now).toISOString(),
    });
    const c: Checkpoint = { syncName: run.syncName, runId: run.runId, results, states, removals, run: next };
    await store.checkpoint(c);
    run = next;
    retrying = delivery.stats().retrying;
    progress();
  }

  const delivery = createDelivery<Tag>({
    destination: resolved.destination,
    config: ctx.config,
    fetch: ctx.fetch,
    clock,
    gate: ctx.gate,
    retry: resolved.sync.retry,
    concurrency: resolved.sync.concurrency,
    logger: ctx.logger,
    ...(ctx.sleep ? { sleep: ctx.sleep } : {}),
    ...(ctx.random ? { random: ctx.random } : {}),
    onOutcomes: (outcomes) => record(outcomes),
    onActivity(e) {
      if (e.kind === 'throttled') throttledUntil = Math.max(throttledUntil, clock.now() + e.waitMs);
    },
  });

  const stop: { requested: { to: 'paused' | 'cancelled'; reason: string } | null } = { requested: null };
  ctx.stopSignal.onStop((to, reason) => {
    stop.requested ??= { to, reason };
    delivery.stop(reason);
  });
  const heartbeat = setInterval(() => void record([]).catch(() => undefined), HEARTBEAT_MS);
  heartbeat.unref();

  const mapped = Object.keys(resolved.sync.mapping ?? {});
  const toRow = (d: DiffRow): DeliveryRow<Tag> => {
    if (d.op === 'remove') {
      return { key: d.pk, op: 'remove', row: removalRow(d.before, d.pk, resolved.removeKeep, mapped), tag: { hash: '', sent: null } };
    }
    const row = applyMapping(d.row ?? {}, resolved.sync.mapping);
    return { key: d.pk, op: d.op, row, tag: { hash: d.hash, sent: row } };
  };

  let end: DeliveryEnd;
  try {
    progress();
    let after: string | null = null;
    while (!stop.requested) {
      const page = await store.diffPage(ctx.diffTable, ctx.stageTable, run.syncName, after, ctx.pageSize);
      if (page.length === 0) break;
      await delivery.push(page.map(toRow));
      after = page[page.length - 1]!.pk;
    }
    end = await delivery.finish();
  } catch (error) {
    delivery.stop('error');
    await delivery.finish().catch(() => undefined);
    end = { kind: 'fatal', reason: error instanceof Error ? error.message : String(error) };
  } finally {
    clearInterval(heartbeat);
  }
  await record([]).catch(() => undefined);

  const now = new Date(clock.now()).toISOString();
  const stopped = stop.requested;
  if (end.kind === 'stopped' && stopped?.to === 'paused') return finish(transition(run, 'paused', { heartbeatAt: now, owner: null }));
  if (end.kind === 'stopped') return finish(transition(run, 'cancelled', { finishedAt: now, error: stopped?.reason ?? end.reason }));
  if (end.kind === 'fatal') return finish(transition(run, 'failed', { finishedAt: now, error: end.reason }));
  if (run.failed > 0) {
    return finish(
      transition(run, 'failed', {
        finishedAt: now,
        error: `${run.failed} row(s) were not delivered after ${resolved.sync.retry.maxAttempts} attempts; they are sent again on the next run (see sync_row_results)`,
      }),
    );
  }
  return finish(transition(run, 'succeeded', { finishedAt: now }));

  async function finish(final: RunRecord): Promise<RunRecord> {
    await store.saveRun(final);
    run = final;
    progress();
    return final;
  }
}
