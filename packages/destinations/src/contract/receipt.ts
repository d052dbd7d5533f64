/**
 * Proof that a vendor took a request whose verdict comes later (Data Manager answers
 * `{requestId}` and processes asynchronously, activation-contracts.md §1.11). Every row of the
 * request carries the same receipt; the host stores it with the row and asks later.
 */
export interface Receipt {
  /** The vendor's id for the request (`requestId`). */
  readonly requestId: string;
  /** Epoch ms when it was sent. */
  readonly sentAt: number;
  /** How many rows the request carried (a partial verdict about a multi-row request). */
  readonly rows: number;
}
