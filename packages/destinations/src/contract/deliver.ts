import type { Destination } from './destination.js';
import { planBatches } from './batching.js';
import type { MemberOp, SendContext } from './context.js';
import type { BatchItem, RowResult } from './result.js';
import type { Row, RowRef } from './row.js';

/** Options for {@link deliver}. */
export interface DeliverOptions {
  /** The caller's id for each row, same order as `rows`. @defaultValue the row's index */
  readonly refs?: readonly RowRef[];
  /** Audience destinations: per row, add or remove the member. @defaultValue 'add' for every row */
  readonly ops?: readonly MemberOp[];
}

/**
 * The whole contract in one call: map every row, plan batches within the vendor's limits, send
 * them one after another, and answer one result per input row, in input order. No retries and no
 * rate limiting here: those belong to the sync engine (see `createRetryPolicy`,
 * `createTokenBucket`). This is what a ten-line script or a real-time forwarder calls.
 */
export async function deliver<C, P>(
  destination: Destination<C, P>,
  rows: readonly Row[],
  ctx: SendContext<C>,
  options: DeliverOptions = {},
): Promise<RowResult<P>[]> {
  const refs = options.refs ?? rows.map((_, i) => i);
  if (refs.length !== rows.length) {
    throw new RangeError(`deliver: ${refs.length} refs for ${rows.length} rows; pass one ref per row`);
  }
  const slot = new Map<RowRef, number>(refs.map((r, i) => [r, i]));
  if (slot.size !== refs.length) throw new RangeError('deliver: refs must be unique; results are matched to rows by ref');
  if (options.ops && options.ops.length !== rows.length) {
    throw new RangeError(`deliver: ${options.ops.length} ops for ${rows.length} rows; pass one op per row`);
  }
  const results: (RowResult<P> | undefined)[] = new Array(rows.length);
  const items: BatchItem<P>[] = [];
  const now = ctx.clock.now();
  rows.forEach((row, i) => {
    const ref = refs[i]!;
    const op = options.ops?.[i];
    const out = destination.map(row, ctx.config, op ? { now, op } : { now });
    if (out.ok) items.push({ ref, ...out.item });
    else results[i] = { ref, status: 'rejected', ...out.rejection };
  });
  const plan = planBatches(items, destination.batching);
  for (const item of plan.oversized) {
    results[slot.get(item.ref)!] = {
      ref: item.ref,
      dedupKey: item.dedupKey,
      status: 'rejected',
      code: 'ITEM_TOO_LARGE',
      reason: `mapped row is larger than ${destination.name}'s ${destination.batching.maxBytes}-byte request limit`,
    };
  }
  for (const batch of plan.batches) {
    const answered = await destination.send(batch, ctx);
    answered.forEach((r) => (results[slot.get(r.ref)!] = r));
  }
  return results.map(
    (r, i) => r ?? { ref: refs[i]!, status: 'retryable', reason: 'no result came back for this row', code: 'NO_RESULT' },
  );
}
