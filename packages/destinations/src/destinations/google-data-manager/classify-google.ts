import type { VendorRule } from '../../http/classify.js';
import { parseRetryAfter } from '../../http/retry-after.js';
import { googleRetryDelayMs, googleStatus } from './google-status.js';

/**
 * Google's answers on top of the generic rule (activation-contracts.md §1.7-§1.9, §1.11):
 * `RESOURCE_EXHAUSTED` is a rate limit whose wait is in `RetryInfo.retryDelay` (no Retry-After
 * header contract); `ABORTED`, `UNAVAILABLE`, `DEADLINE_EXCEEDED`, `INTERNAL` are transient.
 */
export const googleRule: VendorRule = (answer, now) => {
  const s = googleStatus(answer.body);
  if (!s) return undefined;
  const message = s.message ?? s.status ?? `HTTP ${answer.status}`;
  if (answer.status === 429 || s.status === 'RESOURCE_EXHAUSTED') {
    const wait = googleRetryDelayMs(s) ?? parseRetryAfter(answer.headers.get('retry-after'), now);
    return {
      kind: 'rate_limited',
      reason: `Google quota exhausted: ${message}`,
      code: 'RESOURCE_EXHAUSTED',
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    };
  }
  if (s.status && ['ABORTED', 'UNAVAILABLE', 'DEADLINE_EXCEEDED', 'INTERNAL'].includes(s.status)) {
    const wait = googleRetryDelayMs(s) ?? parseRetryAfter(answer.headers.get('retry-after'), now);
    return { kind: 'retryable', reason: `Google ${s.status}: ${message}`, code: s.status, ...(wait === undefined ? {} : { retryAfterMs: wait }) };
  }
  if (answer.status >= 400 && answer.status < 500) {
    return { kind: 'permanent', reason: `Google ${s.status ?? answer.status}: ${message}`, code: s.status ?? `HTTP_${answer.status}` };
  }
  return undefined;
};
