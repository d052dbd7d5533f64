/**
 * The rows a delivery takes and the outcomes it reports: types shared by the delivery, its queue
 * and the batch verdict (kept apart so those modules import them without importing each other).
 */
import type { Row, RowResult } from '@touchline/destinations';
import type { FinalStatus, RowOp } from '../store/records.js';

export type { FinalStatus, RowOp };

/** A row handed to the delivery: the caller's key, what to do, and the destination row. */
export interface DeliveryRow<T> {
  /** Unique among the rows of one delivery (the sync primary key, the outbox entry id). */
  readonly key: string;
  readonly op: RowOp;
  readonly row: Row;
  /** Carried back with the outcome (the row hash a checkpoint records). */
  readonly tag: T;
}


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

