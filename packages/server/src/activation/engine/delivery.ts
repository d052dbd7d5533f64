import {
  createRetryPolicy,
  planBatches,
  silentLogger,
  type BatchItem,
  type Clock,
  type FetchLike,
  type Logger,
  type Row,
  type RowResult,
} from '@touchline/destinations';
import type { AnyDestination } from './any-destination.js';
import { configFailure } from './config-failure.js';
import { createNotifier, sleep as realSleep, type Sleep } from './notifier.js';
import type { RateGate } from './rate-gate.js';

/** What a row does to the destination: a sync's diff op, or a forwarded event. */
export type RowOp = 'add' | 'change' | 'remove' | 'forward';

/** A row handed to the delivery: the caller's key, what to do, and the destination row. */
export interface DeliveryRow<T> {
  /** Unique among the rows of one delivery (the sync primary key, the outbox entry id). */
  readonly key: string;
  readonly op: RowOp;
  readonly row: Row;
  /** Carried back with the outcome (the row hash a checkpoint records). */
  readonly tag: T;
}

/** A row's fate: `delivered` and `rejected` are final answers; `failed` means not delivered yet. */
export type FinalStatus = 'delivered' | 'rejected' | 'failed';

/** One row's result after one attempt (or after map refused it). */
export interface RowOutcome<T> {
  readonly row: DeliveryRow<T>;
  /** Requests that carried this row so far (0 when map refused it). */
  readonly attempt: number;
  readonly result: RowResult<unknown>;
  /** `null` while the row will be sent again. */
  readonly final: FinalStatus | null;
  /** When the row goes out again, for non-final outcomes. */
  readonly retryInMs?: number;
}

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
  readonly clock: Clock;
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
  readonly sleep?: Sleep;
  readonly random?: () => number;
  /** `push` waits while more rows than this are queued. @defaultValue 4 batches' worth */
  readonly maxQueuedRows?: number;
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
  stats(): DeliveryStats;
}

interface Item<T> {
  readonly id: number;
  readonly row: DeliveryRow<T>;
  readonly batchItem: BatchItem<unknown>;
  sends: number;
  retries: number;
  throttles: number;
}

/**
 * The one delivery loop behind syncs and forwarding: map (pure, consent guard included), plan
 * batches within the vendor's limits, take a slot from the account's gate, send, and act on each
 * row's classified result:
 * - delivered / rejected: final;
 * - retryable: again after the retry policy's backoff (never sooner than the vendor's wait);
 * - rate_limited: the account's gate pauses for the vendor's wait, and the row goes again
 *   (throttling counts against four times `maxAttempts`, since it is not the row's fault);
 * - isolate (an atomic vendor refused the batch without naming the row): the batch is split in
 *   halves and resent until the bad row stands alone;
 * - a whole batch refused for credentials or a wrong endpoint stops the delivery (`fatal`):
 *   every row would fail the same way, and none is recorded as refused.
 */
export function createDelivery<T>(o: DeliveryOptions<T>): Delivery<T> {
  const log = o.logger ?? silentLogger;
  const sleep = o.sleep ?? realSleep;
  const retryPolicy = createRetryPolicy({ ...o.retry, ...(o.random ? { random: o.random } : {}) });
  const throttlePolicy = createRetryPolicy({ ...o.retry, maxAttempts: o.retry.maxAttempts * 4, ...(o.random ? { random: o.random } : {}) });
  const rule = o.destination.batching;
  const maxQueued = o.maxQueuedRows ?? rule.maxItems * 4;
  const changed = createNotifier();
  const items = new Map<number, Item<T>>();
  const fresh: BatchItem<unknown>[][] = [];
  const isolation: BatchItem<unknown>[][] = [];
  const retries: { due: number; id: number }[] = [];
  const inFlightKeys = new Set<string>();
  let nextId = 0;
  let queuedRows = 0;
  let inFlight = 0;
  let requests = 0;
  let throttled = 0;
  let finishing = false;
  let end: DeliveryEnd | null = null;
  let workers: Promise<void>[] | null = null;

  const outcome = (item: Item<T>, result: RowResult<unknown>, final: FinalStatus | null, retryInMs?: number): RowOutcome<T> => ({
    row: item.row,
    attempt: item.sends,
    result,
    final,
    ...(retryInMs === undefined ? {} : { retryInMs }),
  });

  const settle = (item: Item<T>) => {
    items.delete(item.id);
    queuedRows--;
  };

  /** The next batch to send, or null: isolation halves first, then due retries, then fresh rows. */
  function nextBatch(now: number): BatchItem<unknown>[] | null {
    const half = isolation.shift();
    if (half) return half;
    const due = retries.filter((r) => r.due <= now);
    if (due.length > 0) {
      const dueIds = new Set(due.map((r) => r.id));
      const dueItems = due.map((r) => items.get(r.id)!.batchItem);
      const plan = planBatches(dueItems, rule);
      const first = plan.batches[0] ?? [];
      const taken = new Set(first.map((b) => Number(b.ref)));
      for (let i = retries.length - 1; i >= 0; i--) if (dueIds.has(retries[i]!.id) && taken.has(retries[i]!.id)) retries.splice(i, 1);
      if (first.length > 0) return first;
    }
    const head = fresh[0];
    // A dedup key already in flight waits for its answer: the vendor sees writes per key in order.
    if (head && !head.some((b) => inFlightKeys.has(b.dedupKey))) return fresh.shift()!;
    return null;
  }

  const nothingLeft = () => fresh.length === 0 && isolation.length === 0 && retries.length === 0 && inFlight === 0;

  async function handle(batch: readonly BatchItem<unknown>[], results: readonly RowResult<unknown>[]): Promise<void> {
    const now = o.clock.now();
    const byRef = new Map(results.map((r) => [Number(r.ref), r]));
    const out: RowOutcome<T>[] = [];
    const fatal = configFailure(batch.length, results);
    const toIsolate: BatchItem<unknown>[] = [];
    // Rows of one request that go again, go again together (one due time: the longest wait).
    const again: { item: Item<T>; index: number; delayMs: number }[] = [];
    for (const b of batch) {
      const item = items.get(Number(b.ref))!;
      const r: RowResult<unknown> = byRef.get(item.id) ?? {
        ref: item.id,
        status: 'retryable',
        dedupKey: b.dedupKey,
        reason: `${o.destination.name} returned no result for this row`,
        code: 'NO_RESULT',
      };
      if (fatal) {
        out.push(outcome(item, r, 'failed'));
        settle(item);
      } else if (r.status === 'delivered' || (r.status === 'rejected' && !(r.isolate && batch.length > 1))) {
        out.push(outcome(item, r, r.status));
        settle(item);
      } else if (r.status === 'rejected') {
        toIsolate.push(item.batchItem);
        out.push(outcome(item, r, null, 0));
      } else {
        const limited = r.status === 'rate_limited';
        if (limited) item.throttles++;
        else item.retries++;
        const decision = (limited ? throttlePolicy : retryPolicy).decide(r, limited ? item.throttles : item.retries);
        if (decision.retry) {
          if (limited) {
            throttled++;
            o.gate.pause(r.retryAfterMs ?? decision.delayMs);
            o.onActivity?.({ kind: 'throttled', waitMs: r.retryAfterMs ?? decision.delayMs });
          }
          again.push({ item, index: out.length, delayMs: decision.delayMs });
          out.push(outcome(item, r, null, decision.delayMs));
        } else {
          out.push(outcome(item, { ...r, reason: `${r.reason ?? r.status}; ${decision.reason}` }, 'failed'));
          settle(item);
        }
      }
    }
    if (again.length > 0) {
      const delayMs = Math.max(...again.map((a) => a.delayMs));
      for (const a of again) {
        retries.push({ due: now + delayMs, id: a.item.id });
        out[a.index] = { ...out[a.index]!, retryInMs: delayMs };
      }
    }
    if (toIsolate.length > 0) {
      const mid = Math.ceil(toIsolate.length / 2);
      isolation.unshift(toIsolate.slice(0, mid), ...(toIsolate.length > mid ? [toIsolate.slice(mid)] : []));
    }
    try {
      await o.onOutcomes(out);
    } catch (error) {
      // The vendor has these rows but we could not record it: stop; they go again (same dedup keys).
      if (!end) end = { kind: 'fatal', reason: `could not record results: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (fatal && !end) end = { kind: 'fatal', reason: fatal };
    changed.notify();
  }

  async function send(batch: BatchItem<unknown>[]): Promise<void> {
    for (const b of batch) items.get(Number(b.ref))!.sends++;
    batch.forEach((b) => inFlightKeys.add(b.dedupKey));
    inFlight++;
    requests++;
    o.onActivity?.({ kind: 'sent', rows: batch.length });
    let results: RowResult<unknown>[];
    try {
      results = await o.destination.send(batch, { config: o.config, fetch: o.fetch, clock: o.clock, logger: log });
    } catch (error) {
      // A destination never throws for HTTP or network failures; this is a bug, but the rows stay safe.
      log.error('destination send threw', { destination: o.destination.name, error: String(error) });
      results = batch.map((b) => ({ ref: b.ref, status: 'retryable', dedupKey: b.dedupKey, reason: `send failed: ${String(error)}`, code: 'SEND_THREW' }));
    } finally {
      inFlight--;
      batch.forEach((b) => inFlightKeys.delete(b.dedupKey));
    }
    await handle(batch, results);
  }

  async function worker(): Promise<void> {
    for (;;) {
      if (end) return;
      const now = o.clock.now();
      const batch = nextBatch(now);
      if (!batch) {
        if (finishing && nothingLeft()) return;
        const soonest = retries.reduce((m, r) => Math.min(m, r.due), Infinity);
        await changed.wait(Math.max(1, Math.min(1000, soonest - now)));
        continue;
      }
      let ok = false;
      while (!end) {
        const t = o.gate.take();
        if (t.ok) {
          ok = true;
          break;
        }
        if (t.waitMs > 1000) o.onActivity?.({ kind: 'throttled', waitMs: t.waitMs });
        await sleep(Math.min(t.waitMs, 1000));
      }
      if (!ok) {
        // Stopped while waiting for the gate: nothing was sent, the rows stay unrecorded.
        return;
      }
      await send(batch);
    }
  }

  function start(): void {
    if (workers) return;
    workers = Array.from({ length: Math.max(1, o.concurrency) }, () => worker());
  }

  return {
    async push(rows) {
      if (end) return;
      start();
      const now = o.clock.now();
      const refused: RowOutcome<T>[] = [];
      const mapped: BatchItem<unknown>[] = [];
      for (const row of rows) {
        const id = nextId++;
        const m = o.destination.map(row.row, o.config, { now });
        if (!m.ok) {
          refused.push({ row, attempt: 0, final: 'rejected', result: { ref: id, status: 'rejected', ...m.rejection } });
          continue;
        }
        const batchItem: BatchItem<unknown> = { ref: id, dedupKey: m.item.dedupKey, payload: m.item.payload };
        items.set(id, { id, row, batchItem, sends: 0, retries: 0, throttles: 0 });
        queuedRows++;
        mapped.push(batchItem);
      }
      const plan = planBatches(mapped, rule);
      for (const b of plan.oversized) {
        const item = items.get(Number(b.ref))!;
        refused.push(
          outcome(item, {
            ref: b.ref,
            status: 'rejected',
            dedupKey: b.dedupKey,
            code: 'ITEM_TOO_LARGE',
            reason: `the mapped row is larger than ${o.destination.name}'s ${rule.maxBytes}-byte request limit`,
          }, 'rejected'),
        );
        settle(item);
      }
      fresh.push(...plan.batches);
      changed.notify();
      if (refused.length > 0) {
        try {
          await o.onOutcomes(refused);
        } catch (error) {
          if (!end) end = { kind: 'fatal', reason: `could not record results: ${error instanceof Error ? error.message : String(error)}` };
        }
      }
      while (queuedRows > maxQueued && !end) await changed.wait(1000);
    },
    async finish() {
      start();
      finishing = true;
      changed.notify();
      await Promise.all(workers!);
      return end ?? { kind: 'done' };
    },
    stop(reason) {
      if (!end) end = { kind: 'stopped', reason };
      changed.notify();
    },
    stats: () => ({ requests, throttled, queued: queuedRows, retrying: retries.length, inFlight }),
  };
}
