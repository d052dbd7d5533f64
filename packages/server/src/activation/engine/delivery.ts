import {
  createRetryPolicy,
  planBatches,
  silentLogger,
  type BatchItem,
  type AccessTokenProvider,
  type FetchLike,
  type Logger,
  type Row,
  type RowResult,
} from '@touchline/destinations';
import type { AnyDestination } from './any-destination.js';
import { judgeBatch, type Policies } from './batch-verdict.js';
import { admit, createQueue, itemOf, nextBatch, nothingLeft, queueIsolation, scheduleRetries, settle, soonestDue, type DeliveryQueue } from './delivery-queue.js';
import type { Clock } from '../../clock/clock.js';
import { createNotifier, sleepOn, type Sleep } from './notifier.js';
import type { RateGate } from './rate-gate.js';

export type { DeliveryRow, FinalStatus, RowOp, RowOutcome } from './delivery-rows.js';
import type { DeliveryRow, RowOutcome } from './delivery-rows.js';

export interface RetrySettings {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export interface DeliveryOptions<T> {
  readonly destination: AnyDestination;
  /** The destination's parsed config. */
  readonly config: unknown;
  readonly fetch: FetchLike;
  /** Time, and the timers of retries, gate waits and idle workers. */
  readonly clock: Clock;
  /** The account's OAuth token provider, when it is connected (src/connections/). */
  readonly auth?: AccessTokenProvider;
  /** The account's gate (shared with every other sync and rule sending to it). */
  readonly gate: RateGate;
  readonly retry: RetrySettings;
  /** Requests in flight at once. */
  readonly concurrency: number;
  /**
   * Receives the outcomes of every request (and of rows map refused) and records them: the
   * checkpoint. A worker sends nothing more until it resolves, so at most `concurrency` batches
   * are acknowledged by the vendor but not yet recorded when the process dies.
   */
  onOutcomes(outcomes: readonly RowOutcome<T>[]): Promise<void>;
  /** Told when requests go out and when the gate or the vendor holds them back. */
  onActivity?(event: { kind: 'sent'; rows: number } | { kind: 'throttled'; waitMs: number }): void;
  readonly logger?: Logger;
  readonly random?: () => number;
  /** `push` waits while more rows than this are queued. @defaultValue 4 batches' worth */
  readonly maxQueuedRows?: number;
  /**
   * Rows naming a person a privacy request removed (src/privacy/): never mapped or sent, final at
   * once as `rejected` with code `SUPPRESSED`. @defaultValue none
   */
  readonly suppressed?: (row: Row) => boolean;
}

export interface DeliveryStats {
  readonly requests: number;
  readonly throttled: number;
  readonly queued: number;
  readonly retrying: number;
  readonly inFlight: number;
}

/** The result of a whole delivery. */
export type DeliveryEnd =
  | { readonly kind: 'done' }
  | { readonly kind: 'stopped'; readonly reason: string }
  | { readonly kind: 'fatal'; readonly reason: string };

export interface Delivery<T> {
  /** Maps and queues rows; resolves when there is room for more (backpressure). */
  push(rows: readonly DeliveryRow<T>[]): Promise<void>;
  /** No more rows: resolves once every row is final, or the delivery stopped. */
  finish(): Promise<DeliveryEnd>;
  /** Stops taking new work (pause, cancel); requests in flight complete and are recorded. */
  stop(reason: string): void;
  /** How the delivery ended (stopped, or fatal: credentials, a lost checkpoint), or null while it runs. */
  ended(): DeliveryEnd | null;
  stats(): DeliveryStats;
}

/** The delivery's state: its options, the queue (`delivery-queue.ts`) and a few counters. */
interface DeliveryState<T> {
  readonly o: DeliveryOptions<T>;
  readonly log: Logger;
  readonly sleep: Sleep;
  readonly policies: Policies;
  readonly rule: AnyDestination['batching'];
  /** Wakes workers and `push` when the queue changed. */
  readonly changed: ReturnType<typeof createNotifier>;
  readonly q: DeliveryQueue<T>;
  requests: number;
  throttled: number;
  finishing: boolean;
  end: DeliveryEnd | null;
  workers: Promise<void>[] | null;
}

/** The first end wins (a later stop does not overwrite a fatal error). */
const endWith = <T>(d: DeliveryState<T>, end: DeliveryEnd) => void (d.end ??= end);

/** Records outcomes; a failed record stops the delivery (the rows go again, same dedup keys). */
async function record<T>(d: DeliveryState<T>, outcomes: readonly RowOutcome<T>[]): Promise<void> {
  if (outcomes.length === 0) return;
  try {
    await d.o.onOutcomes(outcomes);
  } catch (error) {
    endWith(d, { kind: 'fatal', reason: `could not record results: ${error instanceof Error ? error.message : String(error)}` });
  }
}

/** Acts on a batch's classified results: pauses the gate, settles, schedules retries, isolates, records. */
async function handle<T>(d: DeliveryState<T>, batch: readonly BatchItem<unknown>[], results: readonly RowResult<unknown>[]): Promise<void> {
  const v = judgeBatch(batch, results, (b) => itemOf(d.q, b), d.policies, d.o.destination.name);
  for (const ms of v.pauses) {
    d.throttled++;
    d.o.gate.pause(ms);
    d.o.onActivity?.({ kind: 'throttled', waitMs: ms });
  }
  v.settled.forEach((item) => settle(d.q, item));
  scheduleRetries(d.q, v.retry.map((i) => i.id), d.o.clock.now() + v.retryDelayMs);
  queueIsolation(d.q, v.isolate);
  await record(d, v.outcomes);
  if (v.fatal) endWith(d, { kind: 'fatal', reason: v.fatal });
  d.changed.notify();
}

async function send<T>(d: DeliveryState<T>, batch: BatchItem<unknown>[]): Promise<void> {
  const { o, q } = d;
  for (const b of batch) itemOf(q, b).sends++;
  batch.forEach((b) => q.inFlightKeys.add(b.dedupKey));
  q.inFlight++;
  d.requests++;
  o.onActivity?.({ kind: 'sent', rows: batch.length });
  let results: RowResult<unknown>[];
  try {
    results = await o.destination.send(batch, { config: o.config, fetch: o.fetch, clock: o.clock, logger: d.log, ...(o.auth ? { auth: o.auth } : {}) });
  } catch (error) {
    // A destination never throws for HTTP or network failures; this is a bug, but the rows stay safe.
    d.log.error('destination send threw', { destination: o.destination.name, error: String(error) });
    results = batch.map((b) => ({ ref: b.ref, status: 'retryable', dedupKey: b.dedupKey, reason: `send failed: ${String(error)}`, code: 'SEND_THREW' }));
  } finally {
    q.inFlight--;
    batch.forEach((b) => q.inFlightKeys.delete(b.dedupKey));
  }
  await handle(d, batch, results);
}

/** Waits for a slot from the account's gate; false when the delivery ended meanwhile. */
async function slot<T>(d: DeliveryState<T>): Promise<boolean> {
  while (!d.end) {
    const t = d.o.gate.take();
    if (t.ok) return true;
    if (t.waitMs > 1000) d.o.onActivity?.({ kind: 'throttled', waitMs: t.waitMs });
    await d.sleep(Math.min(t.waitMs, 1000));
  }
  return false;
}

async function worker<T>(d: DeliveryState<T>): Promise<void> {
  while (!d.end) {
    const now = d.o.clock.now();
    const batch = nextBatch(d.q, now, d.rule);
    if (!batch) {
      if (d.finishing && nothingLeft(d.q)) return;
      await d.changed.wait(Math.max(1, Math.min(1000, soonestDue(d.q) - now)));
      continue;
    }
    // Stopped while waiting for the gate: nothing was sent, the rows stay unrecorded.
    if (!(await slot(d))) return;
    await send(d, batch);
  }
}

function start<T>(d: DeliveryState<T>): void {
  d.workers ??= Array.from({ length: Math.max(1, d.o.concurrency) }, () => worker(d));
}

/** Maps rows (refusals are final at once) and plans the rest into batches. */
function enqueue<T>(d: DeliveryState<T>, rows: readonly DeliveryRow<T>[]): RowOutcome<T>[] {
  const { o, q, rule } = d;
  const now = o.clock.now();
  const refused: RowOutcome<T>[] = [];
  const mapped: BatchItem<unknown>[] = [];
  for (const row of rows) {
    const id = q.nextId++;
    if (o.suppressed?.(row.row)) {
      refused.push({ row, attempt: 0, final: 'rejected', result: { ref: id, status: 'rejected', code: 'SUPPRESSED', reason: 'the person was removed by a privacy request (touchline privacy)' } });
      continue;
    }
    // A removed row reaches map as `op: 'remove'`: destinations that delete turn it into a delete.
    const m = o.destination.map(row.row, o.config, row.op === 'remove' ? { now, op: 'remove' } : { now });
    if (!m.ok) {
      refused.push({ row, attempt: 0, final: 'rejected', result: { ref: id, status: 'rejected', ...m.rejection } });
      continue;
    }
    mapped.push(admit(q, id, row, { ref: id, dedupKey: m.item.dedupKey, payload: m.item.payload }).batchItem);
  }
  const plan = planBatches(mapped, rule);
  for (const b of plan.oversized) {
    const item = itemOf(q, b);
    const reason = `the mapped row is larger than ${o.destination.name}'s ${rule.maxBytes}-byte request limit`;
    refused.push({ row: item.row, attempt: 0, final: 'rejected', result: { ref: b.ref, status: 'rejected', dedupKey: b.dedupKey, code: 'ITEM_TOO_LARGE', reason } });
    settle(q, item);
  }
  q.fresh.push(...plan.batches);
  return refused;
}

/**
 * The one delivery loop behind syncs and forwarding: map (pure, consent guard included), plan
 * batches within the vendor's limits, take a slot from the account's gate, send, and act on each
 * row's classified result (`judgeBatch`):
 * - delivered / rejected: final;
 * - retryable: again after the retry policy's backoff (never sooner than the vendor's wait);
 * - rate_limited: the account's gate pauses for the vendor's wait, and the row goes again
 *   (throttling counts against four times `maxAttempts`, since it is not the row's fault);
 * - isolate (an atomic vendor refused the batch without naming the row): the batch is split in
 *   halves and resent until the bad row stands alone;
 * - a whole batch refused for credentials or a wrong endpoint stops the delivery (`fatal`):
 *   every row would fail the same way, and none is recorded as refused.
 *
 * State: one `DeliveryState`; the steps (`enqueue`, `worker`, `slot`, `send`, `handle`, `record`)
 * are functions over it.
 */
export function createDelivery<T>(o: DeliveryOptions<T>): Delivery<T> {
  const random = o.random ? { random: o.random } : {};
  const d: DeliveryState<T> = {
    o,
    log: o.logger ?? silentLogger,
    sleep: sleepOn(o.clock),
    policies: {
      retry: createRetryPolicy({ ...o.retry, ...random }),
      throttle: createRetryPolicy({ ...o.retry, maxAttempts: o.retry.maxAttempts * 4, ...random }),
    },
    rule: o.destination.batching,
    changed: createNotifier(o.clock),
    q: createQueue<T>(),
    requests: 0, throttled: 0, finishing: false, end: null, workers: null,
  };
  const maxQueued = o.maxQueuedRows ?? d.rule.maxItems * 4;
  return {
    async push(rows) {
      if (d.end) return;
      start(d);
      const refused = enqueue(d, rows);
      d.changed.notify();
      await record(d, refused);
      while (d.q.queuedRows > maxQueued && !d.end) await d.changed.wait(1000);
    },
    async finish() {
      start(d);
      d.finishing = true;
      d.changed.notify();
      await Promise.all(d.workers!);
      return d.end ?? { kind: 'done' };
    },
    stop(reason) {
      endWith(d, { kind: 'stopped', reason });
      d.changed.notify();
    },
    ended: () => d.end,
    stats: () => ({ requests: d.requests, throttled: d.throttled, queued: d.q.queuedRows, retrying: d.q.retries.length, inFlight: d.q.inFlight }),
  };
}
