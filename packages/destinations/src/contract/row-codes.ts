import type { RowResult } from './result.js';

/**
 * Touchline's own codes for what became of a row: a closed set a user (or an alert rule) can
 * rely on, whatever the vendor. The vendor's own code, when there is one, is kept beside it as
 * `vendorCode` (Salesforce `INVALID_EMAIL_ADDRESS`, Meta `190`, Data Manager `INVALID_CLICK_ID`).
 */
export const ROW_CODES = [
  // Refused before sending.
  /** `map` refused the row (bad or missing data); `vendorCode` names the problem as the vendor would. */
  'INVALID_ROW',
  /** The mapped row is larger than the vendor's request limit. */
  'ITEM_TOO_LARGE',
  /** The consent guard: no `ad_user_data` consent recorded, consent denied, Global Privacy Control. */
  'CONSENT_MISSING',
  'CONSENT_DENIED',
  'GPC_OPT_OUT',
  /** The row names a person a privacy request removed (`touchline privacy delete`): never sent. */
  'SUPPRESSED',
  // What the vendor answered.
  /** The vendor refused the row (at once, or later through its asynchronous outcomes). */
  'VENDOR_REFUSED',
  /** The vendor failed for now (a 5xx, a lock): the row goes again. */
  'VENDOR_UNAVAILABLE',
  /** The vendor throttled the request. */
  'RATE_LIMITED',
  /** The vendor refused the request for another row; this one was not processed and goes again. */
  'NOT_PROCESSED',
  /** Accepted, but the vendor never confirmed it within its give-up time. */
  'UNCONFIRMED',
  // Transport and our own failures.
  'NETWORK',
  'UNEXPECTED_BODY',
  'NO_RESULT',
  'SEND_THREW',
  // Credentials (the token providers, `CREDENTIAL_CODES`).
  'RECONNECT_REQUIRED',
  'AUTH_MISCONFIGURED',
  'NO_CREDENTIALS',
  /** No access token could be had for now (the token endpoint failed): the row goes again. */
  'TOKEN_UNAVAILABLE',
] as const;
export type RowCode = (typeof ROW_CODES)[number];

const OURS: ReadonlySet<string> = new Set(ROW_CODES);

export const isRowCode = (code: string): code is RowCode => OURS.has(code);

/** Where a row's outcome came from: refused before it was sent (mapping), or after a send. */
export type RowStage = 'before-send' | 'sent';

/** A row's codes split: ours (always set for a row that was not delivered cleanly) and the vendor's. */
export interface RowCodes {
  readonly code: RowCode | null;
  readonly vendorCode: string | null;
}

/**
 * Splits a row result's `code`, which destinations fill with either one of Touchline's codes or
 * the vendor's, into our closed set and the vendor's own. A code of ours stays in `code`; any
 * other is the vendor's, and `code` says what kind of outcome it was: refused before sending
 * (`'before-send'`, map's refusals), refused by the vendor, throttled, or failed for now.
 */
export function rowCodes(r: Pick<RowResult, 'status' | 'code'>, stage: RowStage): RowCodes {
  const raw = r.code ?? null;
  if (raw !== null && isRowCode(raw)) return { code: raw, vendorCode: null };
  if (r.status === 'delivered') return { code: null, vendorCode: raw };
  const code: RowCode = stage === 'before-send' ? 'INVALID_ROW' : r.status === 'rejected' ? 'VENDOR_REFUSED' : r.status === 'rate_limited' ? 'RATE_LIMITED' : 'VENDOR_UNAVAILABLE';
  return { code, vendorCode: raw };
}
