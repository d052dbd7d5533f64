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
