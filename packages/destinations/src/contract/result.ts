import type { Receipt } from './receipt.js';
import type { RowRef } from './row.js';

/** What became of one row. */
export const ROW_STATUS = {
  /** The vendor accepted the row (or already had it: a dedup hit counts as delivered). */
  delivered: 'delivered',
  /** Not delivered this time; sending the row again later may succeed. */
  retryable: 'retryable',
  /** The vendor throttled the request; wait `retryAfterMs` (when known) before resending. */
  rateLimited: 'rate_limited',
  /** Never deliverable as it is: bad data, bad config, no consent. Do not resend unchanged. */
  rejected: 'rejected',
} as const;
export type RowStatus = (typeof ROW_STATUS)[keyof typeof ROW_STATUS];

/** The part of the vendor's answer that concerns one row. */
export interface VendorAnswer {
  /** HTTP status of the response the row travelled in. */
  readonly httpStatus: number;
  /** The vendor's per-row element (a result, an error) or the whole body when it is not per row. */
  readonly body?: unknown;
}

/** The outcome for one row: which row, what was sent, what came back, and what to do next. */
export interface RowResult<P = unknown> {
  readonly ref: RowRef;
  readonly status: RowStatus;
  /** The dedup key the row carried (absent when the row was rejected before mapping finished). */
  readonly dedupKey?: string;
  /** The mapped payload that was sent for this row; absent when nothing was sent. */
  readonly sent?: P;
  readonly answer?: VendorAnswer;
  /** A sentence a user can act on: what was wrong, where, and what to do. */
  readonly reason?: string;
  /**
   * A stable code: the vendor's error code, or one of Touchline's (`ROW_CODES`). The host splits
   * it with `rowCodes` into Touchline's closed set and the vendor's own code.
   */
  readonly code?: string;
  /** The row field the problem is about, when known. */
  readonly field?: string;
  /** How long to wait before resending, when the vendor said (Retry-After, retryDelay). */
  readonly retryAfterMs?: number;
  /**
   * The vendor refused the whole request without naming the bad row (Meta rejects a batch of
   * 1000 for one invalid event). This row may be fine: resend it in a smaller batch (or alone)
   * to isolate the culprit. Set only on multi-row batches; a batch of one is definitive.
   */
  readonly isolate?: boolean;
  /**
   * Set on `delivered` rows of destinations with asynchronous outcomes (`destination.outcomes`):
   * the vendor accepted the request, and its verdict on the row comes later. Keep it and call
   * `outcomes.collect`; until then the row is accepted, not confirmed.
   */
  readonly receipt?: Receipt;
}

/** Why `map` refused a row. */
export interface Rejection {
  readonly code: string;
  readonly reason: string;
  readonly field?: string;
}

/** A row `map` accepted: the vendor payload and the key the vendor dedups it on. */
export interface MappedItem<P> {
  readonly dedupKey: string;
  readonly payload: P;
}

/** `map`'s answer: a mapped item or a per-row rejection, never an exception. */
export type MapOutcome<P> =
  | { readonly ok: true; readonly item: MappedItem<P> }
  | { readonly ok: false; readonly rejection: Rejection };

/** A mapped row on its way into a request. */
export interface BatchItem<P> extends MappedItem<P> {
  readonly ref: RowRef;
}

export const mapped = <P>(dedupKey: string, payload: P): MapOutcome<P> => ({
  ok: true,
  item: { dedupKey, payload },
});

export const refuse = (code: string, reason: string, field?: string): MapOutcome<never> => ({
  ok: false,
  rejection: field === undefined ? { code, reason } : { code, reason, field },
});
