import type { Classification } from '../http/classify.js';
import type { BatchItem, RowResult, RowStatus, VendorAnswer } from './result.js';

const STATUS_OF: Readonly<Record<Classification['kind'], RowStatus>> = {
  success: 'delivered',
  retryable: 'retryable',
  rate_limited: 'rate_limited',
  permanent: 'rejected',
};

/** Extra facts to attach to every row of a whole-request outcome. */
export interface WholeRequestExtras {
  readonly answer?: VendorAnswer;
  /** Mark rows as `isolate` (the vendor refused the batch without naming the row). */
  readonly isolate?: boolean;
}

/** One row's result from a classification that applies to it. */
export function rowResult<P>(
  item: BatchItem<P>,
  c: Classification,
  extras: WholeRequestExtras = {},
): RowResult<P> {
  const base = { ref: item.ref, dedupKey: item.dedupKey, sent: item.payload, status: STATUS_OF[c.kind] };
  const answer = extras.answer ? { answer: extras.answer } : {};
  if (c.kind === 'success') return { ...base, ...answer };
  const code = c.code === undefined ? {} : { code: c.code };
  const wait = c.kind !== 'permanent' && c.retryAfterMs !== undefined ? { retryAfterMs: c.retryAfterMs } : {};
  const isolate = extras.isolate ? { isolate: true } : {};
  return { ...base, ...answer, reason: c.reason, ...code, ...wait, ...isolate };
}

/**
 * The same outcome for every row of a batch: the vendor answered for the request as a whole
 * (a 5xx, a 429, a fast-fail 400). An atomic refusal of a multi-row batch marks rows `isolate`.
 */
export function wholeBatch<P>(
  batch: readonly BatchItem<P>[],
  c: Classification,
  extras: WholeRequestExtras = {},
): RowResult<P>[] {
  const isolate = extras.isolate === true && c.kind === 'permanent' && batch.length > 1;
  return batch.map((item) => rowResult(item, c, { ...extras, isolate }));
}

/** A row the vendor named in a whole-request refusal, and why. */
export interface NamedRefusal {
  readonly reason: string;
  readonly code: string;
  readonly body?: unknown;
}

/**
 * A request refused as a whole because of the rows it names (Data Manager field violations,
 * TikTok `Batch.{i}`, LinkedIn "Index: i", Amplitude's index lists): the named rows are rejected,
 * the others were not processed and come back retryable (`NOT_PROCESSED`: resend them without the
 * bad rows). When no row is named, every row is marked `isolate`.
 */
export function refusedAt<P>(
  batch: readonly BatchItem<P>[],
  named: ReadonlyMap<number, NamedRefusal>,
  whole: Classification,
  answer: VendorAnswer,
): RowResult<P>[] {
  if (named.size === 0) return wholeBatch(batch, whole, { answer, isolate: true });
  return batch.map((item, i) => {
    const n = named.get(i);
    if (n) return rowResult(item, { kind: 'permanent', reason: n.reason, code: n.code }, { answer: { httpStatus: answer.httpStatus, body: n.body ?? answer.body } });
    return rowResult(item, { kind: 'retryable', reason: 'not processed: the vendor refused the request for another row; resend without it', code: 'NOT_PROCESSED' }, { answer });
  });
}
