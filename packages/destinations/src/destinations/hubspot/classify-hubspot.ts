import type { VendorRule } from '../../http/classify.js';
import { parseRetryAfter } from '../../http/retry-after.js';

/** HubSpot's burst window when a 429 names no wait (§6.4: "ten_secondly_rolling"). */
const TEN_SECONDS = 10_000;

/**
 * HubSpot on top of the generic rule (§6.4): a 429 names its policy; the ten-secondly window
 * waits `Retry-After` if sent, else `X-HubSpot-RateLimit-Interval-Milliseconds`, else 10 s; the
 * daily policy gives no wait (it resets at midnight in the account's time zone).
 */
export const hubspotRule: VendorRule = (answer, now) => {
  if (answer.status !== 429) return undefined;
  const body = (answer.body ?? {}) as { policyName?: string; message?: string };
  if (body.policyName === 'DAILY') {
    return { kind: 'rate_limited', reason: `HubSpot daily limit reached: ${body.message ?? ''}`, code: 'DAILY' };
  }
  const header = parseRetryAfter(answer.headers.get('retry-after'), now);
  const interval = Number(answer.headers.get('x-hubspot-ratelimit-interval-milliseconds'));
  const wait = header ?? (Number.isFinite(interval) && interval > 0 ? interval : TEN_SECONDS);
  return {
    kind: 'rate_limited',
    reason: `HubSpot rate limit (${body.policyName ?? 'TEN_SECONDLY_ROLLING'}): ${body.message ?? 'too many requests'}`,
    code: body.policyName ?? 'RATE_LIMIT',
    retryAfterMs: wait,
  };
};

/** Error categories that are worth another try (§6.3-§6.4). */
export const RETRYABLE_CATEGORIES = new Set(['RATE_LIMITS', 'INTERNAL_ERROR', 'SERVICE_UNAVAILABLE', 'TIMEOUT', 'LOCKED']);
