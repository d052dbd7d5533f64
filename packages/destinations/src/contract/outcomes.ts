import type { SendContext } from './context.js';
import type { VendorAnswer } from './result.js';
import type { Receipt } from './receipt.js';
import type { RowRef } from './row.js';

export type { Receipt } from './receipt.js';

/** A row that was accepted with a receipt and awaits its verdict. */
export interface PendingRow {
  readonly ref: RowRef;
  readonly receipt: Receipt;
}

/**
 * The verdict on a pending row:
 * - `delivered`: the vendor processed it;
 * - `rejected`: the vendor refused it after accepting the request: show it as refused, never as
 *   delivered; with `isolate`, the vendor refused *some* rows of the request without naming them:
 *   resend this one in a smaller request to learn its own verdict (resending is safe: the vendor
 *   dedups on the row's key);
 * - `pending`: not processed yet; ask again after `checkAfterMs`.
 */
export interface LateResult {
  readonly ref: RowRef;
  readonly status: 'delivered' | 'rejected' | 'pending';
  readonly reason?: string;
  readonly code?: string;
  readonly isolate?: boolean;
  readonly checkAfterMs?: number;
  readonly answer?: VendorAnswer;
}

/** A destination whose vendor decides after answering: how to collect the verdicts. */
export interface AsyncOutcomes<C> {
  /** Ask no sooner than this after sending (the vendor's usual processing time). */
  readonly firstCheckAfterMs: number;
  /**
   * After this long without a verdict, stop asking: the row stays `delivered` with code
   * `UNCONFIRMED` (accepted by the vendor, never confirmed), which the host shows as such.
   */
  readonly giveUpAfterMs: number;
  /**
   * One result per pending row, in input order. Never throws for an HTTP or network failure:
   * those rows come back `pending` with a `checkAfterMs`.
   */
  collect(pending: readonly PendingRow[], ctx: SendContext<C>): Promise<LateResult[]>;
}
