import { planBatches, type BatchItem, type BatchRule } from '@touchline/destinations';
import type { DeliveryRow } from './delivery-rows.js';

/** A row inside the delivery: its mapped item and how often it was sent, retried, throttled. */
export interface QueuedItem<T> {
  readonly id: number;
  readonly row: DeliveryRow<T>;
  readonly batchItem: BatchItem<unknown>;
  sends: number;
  retries: number;
  throttles: number;
}

/** The delivery's one state object: rows not final yet, and where each waits. */
export interface DeliveryQueue<T> {
  readonly items: Map<number, QueuedItem<T>>;
  /** Batches planned from pushed rows, in push order. */
  readonly fresh: BatchItem<unknown>[][];
  /** Halves of batches an atomic vendor refused without naming the row: sent first. */
  readonly isolation: BatchItem<unknown>[][];
  /** Rows waiting for their backoff: due time (clock ms) and item id. */
  readonly retries: { due: number; id: number }[];
  /** Dedup keys of rows in flight: a batch with one of them waits (writes per key stay in order). */
  readonly inFlightKeys: Set<string>;
  nextId: number;
  /** Rows pushed and not final yet (backpressure counts these). */
  queuedRows: number;
  inFlight: number;
}

export function createQueue<T>(): DeliveryQueue<T> {
  return { items: new Map(), fresh: [], isolation: [], retries: [], inFlightKeys: new Set(), nextId: 0, queuedRows: 0, inFlight: 0 };
}

/** Takes a mapped row into the queue (not yet batched). */
export function admit<T>(q: DeliveryQueue<T>, id: number, row: DeliveryRow<T>, batchItem: BatchItem<unknown>): QueuedItem<T> {
  const item = { id, row, batchItem, sends: 0, retries: 0, throttles: 0 };
  q.items.set(id, item);
  q.queuedRows++;
  return item;
}

/** The item a batch item stands for. */
export const itemOf = <T>(q: DeliveryQueue<T>, b: BatchItem<unknown>): QueuedItem<T> => q.items.get(Number(b.ref))!;

/** A row is final: it leaves the queue. */
export function settle<T>(q: DeliveryQueue<T>, item: QueuedItem<T>): void {
  q.items.delete(item.id);
  q.queuedRows--;
}

/** The due retries, batched within the vendor's limits: the first batch, taken off the retry list. */
function dueBatch<T>(q: DeliveryQueue<T>, now: number, rule: BatchRule): BatchItem<unknown>[] | null {
  const due = q.retries.filter((r) => r.due <= now);
  if (due.length === 0) return null;
  const first = planBatches(due.map((r) => q.items.get(r.id)!.batchItem), rule).batches[0] ?? [];
  const taken = new Set(first.map((b) => Number(b.ref)));
  for (let i = q.retries.length - 1; i >= 0; i--) if (taken.has(q.retries[i]!.id)) q.retries.splice(i, 1);
  return first.length > 0 ? first : null;
}

/** The next batch to send, or null: isolation halves first, then due retries, then fresh rows. */
export function nextBatch<T>(q: DeliveryQueue<T>, now: number, rule: BatchRule): BatchItem<unknown>[] | null {
  const half = q.isolation.shift();
  if (half) return half;
  const retry = dueBatch(q, now, rule);
  if (retry) return retry;
  const head = q.fresh[0];
  // A dedup key already in flight waits for its answer: the vendor sees writes per key in order.
  if (head && !head.some((b) => q.inFlightKeys.has(b.dedupKey))) return q.fresh.shift()!;
  return null;
}

/** Rows of one request that go again, go again together: one due time, `delayMs` from `now`. */
export function scheduleRetries<T>(q: DeliveryQueue<T>, ids: readonly number[], due: number): void {
  for (const id of ids) q.retries.push({ due, id });
}

/** Splits the rows of a refused atomic batch in halves, sent before anything else. */
export function queueIsolation<T>(q: DeliveryQueue<T>, rows: readonly BatchItem<unknown>[]): void {
  if (rows.length === 0) return;
  const mid = Math.ceil(rows.length / 2);
  q.isolation.unshift(rows.slice(0, mid), ...(rows.length > mid ? [rows.slice(mid)] : []));
}

export const nothingLeft = <T>(q: DeliveryQueue<T>): boolean =>
  q.fresh.length === 0 && q.isolation.length === 0 && q.retries.length === 0 && q.inFlight === 0;

/** When the soonest retry is due (Infinity when none waits). */
export const soonestDue = <T>(q: DeliveryQueue<T>): number => q.retries.reduce((m, r) => Math.min(m, r.due), Infinity);
