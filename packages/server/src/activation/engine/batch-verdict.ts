import type { BatchItem, RetryPolicy, RowResult } from '@touchline/destinations';
import { configFailure } from './config-failure.js';
import type { FinalStatus, RowOutcome } from './delivery-rows.js';
import type { QueuedItem } from './delivery-queue.js';

/** The two backoffs: rows the vendor failed, and rows it throttled (four times the attempts). */
export interface Policies {
  readonly retry: RetryPolicy;
  readonly throttle: RetryPolicy;
}

/** What to do with the rows of one answered request. */
export interface BatchVerdict<T> {
  /** One outcome per row, in batch order, to record. */
  readonly outcomes: readonly RowOutcome<T>[];
  /** Rows that are final (delivered, rejected, failed). */
  readonly settled: readonly QueuedItem<T>[];
  /** Rows that go again after `retryDelayMs`, together. */
  readonly retry: readonly QueuedItem<T>[];
  readonly retryDelayMs: number;
  /** Rows of an atomic batch refused without naming the culprit: resent in halves. */
  readonly isolate: readonly BatchItem<unknown>[];
  /** Pauses the account's gate must take (the vendor's waits for throttled rows). */
  readonly pauses: readonly number[];
  /** The whole request was refused for credentials or the endpoint: the delivery stops. */
  readonly fatal: string | null;
}

type Fate<T> =
  | { readonly kind: 'final'; readonly outcome: RowOutcome<T> }
  | { readonly kind: 'isolate'; readonly outcome: RowOutcome<T> }
  | { readonly kind: 'again'; readonly outcome: RowOutcome<T>; readonly delayMs: number; readonly pauseMs: number | null };

const outcome = <T>(item: QueuedItem<T>, result: RowResult<unknown>, final: FinalStatus | null, retryInMs?: number): RowOutcome<T> => ({
  row: item.row,
  attempt: item.sends,
  result,
  final,
  ...(retryInMs === undefined ? {} : { retryInMs }),
});

/** One row's fate given its result. Counts the attempt on the item (its retry or throttle count). */
function fateOf<T>(item: QueuedItem<T>, r: RowResult<unknown>, batchSize: number, p: Policies): Fate<T> {
  if (r.status === 'delivered' || (r.status === 'rejected' && !(r.isolate && batchSize > 1))) {
    return { kind: 'final', outcome: outcome(item, r, r.status) };
  }
  if (r.status === 'rejected') return { kind: 'isolate', outcome: outcome(item, r, null, 0) };
  const limited = r.status === 'rate_limited';
  const attempt = limited ? ++item.throttles : ++item.retries;
  const decision = (limited ? p.throttle : p.retry).decide(r, attempt);
  if (!decision.retry) return { kind: 'final', outcome: outcome(item, { ...r, reason: `${r.reason ?? r.status}; ${decision.reason}` }, 'failed') };
  const pauseMs = limited ? (r.retryAfterMs ?? decision.delayMs) : null;
  return { kind: 'again', outcome: outcome(item, r, null, decision.delayMs), delayMs: decision.delayMs, pauseMs };
}

/**
 * Decides the fate of every row of an answered request, without I/O (it counts attempts on the
 * items): final, again after a backoff (rows of one request together, after the longest wait),
 * in halves to isolate a culprit, or — a whole request refused for credentials — failed, with
 * the delivery to stop. A row the destination gave no result for goes again (`NO_RESULT`).
 */
export function judgeBatch<T>(
  batch: readonly BatchItem<unknown>[],
  results: readonly RowResult<unknown>[],
  itemOf: (b: BatchItem<unknown>) => QueuedItem<T>,
  p: Policies,
  destinationName: string,
): BatchVerdict<T> {
  const byRef = new Map(results.map((r) => [Number(r.ref), r]));
  const fatal = configFailure(batch.length, results);
  const fates: { item: QueuedItem<T>; fate: Fate<T> }[] = batch.map((b) => {
    const item = itemOf(b);
    const r: RowResult<unknown> = byRef.get(item.id) ?? {
      ref: item.id, status: 'retryable', dedupKey: b.dedupKey, reason: `${destinationName} returned no result for this row`, code: 'NO_RESULT',
    };
    // Credentials: no row is at fault, none is refused for good; they go again once fixed.
    return { item, fate: fatal ? { kind: 'final', outcome: outcome(item, r, 'failed') } : fateOf(item, r, batch.length, p) };
  });
  const again = fates.filter((f) => f.fate.kind === 'again');
  const retryDelayMs = Math.max(0, ...again.map((f) => (f.fate.kind === 'again' ? f.fate.delayMs : 0)));
  return {
    outcomes: fates.map(({ fate }) => (fate.kind === 'again' ? { ...fate.outcome, retryInMs: retryDelayMs } : fate.outcome)),
    settled: fates.filter((f) => f.fate.kind === 'final').map((f) => f.item),
    retry: again.map((f) => f.item),
    retryDelayMs,
    isolate: fates.filter((f) => f.fate.kind === 'isolate').map((f) => f.item.batchItem),
    pauses: again.flatMap((f) => (f.fate.kind === 'again' && f.fate.pauseMs !== null ? [f.fate.pauseMs] : [])),
    fatal,
  };
}
