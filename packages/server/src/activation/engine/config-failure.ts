import type { RowResult } from '@touchline/destinations';

/** Answers that mean "your credentials or endpoint are wrong", whatever the row. */
const CONFIG_STATUSES = new Set([401, 403, 404]);
/** Vendor codes for the same (Meta's token error arrives as a 400 with code 190). */
const CONFIG_CODES = /^(190(\/\d+)?|INVALID_SESSION_ID|UNAUTHENTICATED|PERMISSION_DENIED|INVALID_AUTHENTICATION|NOT_FOUND)$/;

/**
 * Whether a whole batch was refused for a reason no row can fix: every row rejected by one
 * answer about credentials or the endpoint. Recording those rows as refused would park them
 * until they change; the run stops instead and they are sent again once the config is fixed.
 * Returns the reason, or null.
 */
export function configFailure(batchSize: number, results: readonly RowResult<unknown>[]): string | null {
  if (batchSize === 0 || results.length !== batchSize) return null;
  if (!results.every((r) => r.status === 'rejected' && r.answer)) return null;
  const first = results[0]!;
  const status = first.answer?.httpStatus ?? 0;
  const byStatus = CONFIG_STATUSES.has(status);
  const byCode = first.code !== undefined && CONFIG_CODES.test(first.code);
  if (!byStatus && !byCode) return null;
  if (!results.every((r) => r.answer?.httpStatus === status && r.code === first.code)) return null;
  return `${first.reason ?? `HTTP ${status}`} (the whole request was refused: check the destination's credentials and endpoint)`;
}
