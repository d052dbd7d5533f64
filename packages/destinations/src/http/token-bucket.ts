import type { Clock } from '../contract/context.js';
import type { RateLimit } from '../contract/capabilities.js';

export type TakeResult = { readonly ok: true } | { readonly ok: false; readonly waitMs: number };

/** A token bucket holding `rate.requests` tokens, refilled continuously over `rate.windowMs`. */
export interface TokenBucket {
  /** Takes `n` tokens now, or says how long until they will be there. Never blocks. */
  take(n?: number): TakeResult;
  /** Empties the bucket until `ms` from now: the vendor said Retry-After. */
  pause(ms: number): void;
  /** Tokens available now (fractional). */
  available(): number;
}

/**
 * Creates a token bucket. Pure state plus an injected clock, so the sync engine can share one
 * per destination account and tests can drive time by hand.
 *
 * @example
 * const bucket = createTokenBucket({ requests: 300, windowMs: 60_000 }, clock);
 * const t = bucket.take(); if (!t.ok) await sleep(t.waitMs);
 */
export function createTokenBucket(
  rate: Pick<RateLimit, 'requests' | 'windowMs'>,
  clock: Clock,
): TokenBucket {
  if (!(rate.requests > 0) || !(rate.windowMs > 0)) {
    throw new RangeError(`token bucket needs requests > 0 and windowMs > 0, got ${JSON.stringify(rate)}`);
  }
  const perMs = rate.requests / rate.windowMs;
  let tokens = rate.requests;
  let last = clock.now();
  let pausedUntil = -Infinity;
  const refill = () => {
    const now = clock.now();
    if (now > last) {
      const from = Math.max(last, pausedUntil);
      if (now > from) tokens = Math.min(rate.requests, tokens + (now - from) * perMs);
      last = now;
    }
    return now;
  };
  return {
    take(n = 1) {
      const now = refill();
      if (now < pausedUntil) return { ok: false, waitMs: Math.ceil(pausedUntil - now + (n - tokens) / perMs) };
      if (tokens >= n) {
        tokens -= n;
        return { ok: true };
      }
      return { ok: false, waitMs: Math.ceil((n - tokens) / perMs) };
    },
    pause(ms) {
      const now = refill();
      tokens = 0;
      pausedUntil = Math.max(pausedUntil, now + ms);
    },
    available() {
      const now = refill();
      return now < pausedUntil ? 0 : tokens;
    },
  };
}

/** One bucket per key (a destination's `rateLimitKey(config)`), created on first use. */
export function createTokenBuckets(clock: Clock) {
  const buckets = new Map<string, TokenBucket>();
  return {
    for(key: string, rate: Pick<RateLimit, 'requests' | 'windowMs'>): TokenBucket {
      let b = buckets.get(key);
      if (!b) buckets.set(key, (b = createTokenBucket(rate, clock)));
      return b;
    },
  };
}
