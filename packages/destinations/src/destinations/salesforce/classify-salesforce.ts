import type { VendorRule } from '../../http/classify.js';

/** `[{ message, errorCode }]`, Salesforce's whole-request error body (§7.3-§7.4). */
export function salesforceErrors(body: unknown): { message: string; errorCode: string }[] {
  if (!Array.isArray(body)) return [];
  return body.filter((e): e is { message: string; errorCode: string } => !!e && typeof e === 'object' && 'errorCode' in e);
}

/**
 * Salesforce on top of the generic rule (§7.4): quota exhaustion is a 403
 * `REQUEST_LIMIT_EXCEEDED` (rolling 24 h allocation, no Retry-After); `INVALID_SESSION_ID` (401)
 * means refresh the token; `SERVER_UNAVAILABLE` and `UNABLE_TO_LOCK_ROW` are transient.
 */
export const salesforceRule: VendorRule = (answer) => {
  const errors = salesforceErrors(answer.body);
  const first = errors[0];
  if (!first || (answer.status >= 200 && answer.status < 300) || answer.status === 429) return undefined;
  const text = `${first.errorCode}: ${first.message}`;
  if (first.errorCode === 'REQUEST_LIMIT_EXCEEDED') {
    return { kind: 'rate_limited', reason: `Salesforce API allocation exhausted (${text}); it refills over a rolling 24 h`, code: first.errorCode };
  }
  if (first.errorCode === 'SERVER_UNAVAILABLE' || first.errorCode === 'UNABLE_TO_LOCK_ROW') {
    return { kind: 'retryable', reason: `Salesforce transient error (${text})`, code: first.errorCode };
  }
  if (first.errorCode === 'INVALID_SESSION_ID') {
    return { kind: 'permanent', reason: `Salesforce session expired or invalid (${text}); refresh the access token and resend`, code: first.errorCode };
  }
  if (answer.status >= 500) return undefined;
  return { kind: 'permanent', reason: `Salesforce refused the request (${text})`, code: first.errorCode };
};

/** Per-record status codes worth another try (§7.3). */
export const RETRYABLE_RECORD_CODES = new Set(['UNABLE_TO_LOCK_ROW', 'SERVER_UNAVAILABLE']);
