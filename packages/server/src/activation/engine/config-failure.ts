import { CREDENTIAL_CODES, type RowResult } from '@touchline/destinations';

/** Answers that mean "your credentials or endpoint are wrong", whatever the row. */
const CONFIG_STATUSES = new Set([401, 403, 404]);
/** Vendor codes for the same (Meta's token error arrives as a 400 with code 190). */
const CONFIG_CODES = /^(190(\/\d+)?|INVALID_SESSION_ID|UNAUTHENTICATED|PERMISSION_DENIED|INVALID_AUTHENTICATION|NOT_FOUND)$/;
/**
 * Touchline's own codes for "no usable credentials" (the destinations' token providers). They
 * can come without any vendor answer: no request was made because no token could be had.
 */
const CREDENTIAL: ReadonlySet<string> = new Set(Object.values(CREDENTIAL_CODES));

/**
 * Words every run error about dead credentials carries (alerts recognise a dead token by them;
 * the codes themselves are in the row results).
 */
export const NO_USABLE_CREDENTIALS = 'the destination has no usable credentials';

/** Whether one row's result, on its own, says the credentials or the endpoint are wrong. */
function refusedForConfig(r: RowResult<unknown>): boolean {
  if (r.status !== 'rejected') return false;
  if (r.code !== undefined && CREDENTIAL.has(r.code)) return true;
  if (!r.answer) return false;
  return CONFIG_STATUSES.has(r.answer.httpStatus) || (r.code !== undefined && CONFIG_CODES.test(r.code));
}

/**
 * Whether a whole batch was refused for a reason no row can fix: every row rejected by one
 * answer about credentials or the endpoint, or with one of the credential codes
 * (`RECONNECT_REQUIRED`, `AUTH_MISCONFIGURED`, `NO_CREDENTIALS`). Recording those rows as refused
 * would park them until they change; the run stops instead and they are sent again once the
 * config is fixed (or the destination reconnected). Returns the reason, or null.
 */
export function configFailure(batchSize: number, results: readonly RowResult<unknown>[]): string | null {
  if (batchSize === 0 || results.length !== batchSize) return null;
  const first = results[0]!;
  if (!results.every(refusedForConfig)) return null;
  const status = first.answer?.httpStatus;
  if (!results.every((r) => r.answer?.httpStatus === status && r.code === first.code)) return null;
  if (first.code !== undefined && CREDENTIAL.has(first.code)) {
    return `${first.reason ?? first.code} (${NO_USABLE_CREDENTIALS}: nothing was recorded as refused; the rows go again once it is fixed)`;
  }
  return `${first.reason ?? `HTTP ${status ?? '?'}`} (the whole request was refused: check the destination's credentials and endpoint)`;
}
