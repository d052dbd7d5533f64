import type { Clock, RateLimit, TakeResult } from '@touchline/destinations';

/**
 * The send-side limiter for one destination account: at most `requests` requests in any window
 * of `windowMs` (plus a small safety margin), and none while the vendor asked us to wait.
 *
 * Why not the destinations package's continuous-refill token bucket as it is: a bucket that starts
 * full lets through `requests` at once and then refills during the same window, so the first
 * window carries up to twice the limit; a vendor that counts a fixed or rolling window (HubSpot's
 * `TEN_SECONDLY_ROLLING`, the stand-ins) answers 429 to the excess. A sliding window never
 * exceeds the limit in any window, still sends a full window's worth at once, and reaches
 * `1 / (1 + margin)` of the allowed rate when saturated. Same `take` / `pause` surface as
 * `TokenBucket`.
 */
export interface RateGate {
  /** Takes one request slot now, or says how long until one frees up. Never blocks. */
  take(): TakeResult;
  /** No request until `ms` from now: the vendor said Retry-After (or throttled without saying). */
  pause(ms: number): void;
  /** When the gate was last paused until (epoch ms), for status reporting. */
  pausedUntil(): number;
}

export interface RateGateOptions {
  /**
   * Added to the window: requests reach the vendor some milliseconds after we send them, so a
   * window measured at our end must be a little longer than the vendor's. @defaultValue 3% + 25 ms
   */
  readonly marginFraction?: number;
  readonly marginMs?: number;
}

export function createRateGate(
  rate: Pick<RateLimit, 'requests' | 'windowMs'> | null,
  clock: Clock,
  options: RateGateOptions = {},
): RateGate {
  let pausedUntil = -Infinity;
  if (rate && (!(rate.requests >= 1) || !(rate.windowMs > 0))) {
    throw new RangeError(`rate limit needs requests >= 1 and windowMs > 0, got ${JSON.stringify(rate)}`);
  }
  const window = rate ? rate.windowMs * (1 + (options.marginFraction ?? 0.03)) + (options.marginMs ?? 25) : 0;
  // Send times of the last `requests` requests, as a ring: `head` is the oldest.
  const capacity = rate ? Math.floor(rate.requests) : 0;
  const sent = new Float64Array(capacity);
  let head = 0;
  let count = 0;
  return {
    take() {
      const now = clock.now();
      if (now < pausedUntil) return { ok: false, waitMs: Math.ceil(pausedUntil - now) };
      if (!rate) return { ok: true };
      if (count === capacity) {
        const oldest = sent[head]!;
        if (now - oldest < window) return { ok: false, waitMs: Math.max(1, Math.ceil(oldest + window - now)) };
        head = (head + 1) % capacity;
        count--;
      }
      sent[(head + count) % capacity] = now;
      count++;
      return { ok: true };
    },
    pause(ms) {
      pausedUntil = Math.max(pausedUntil, clock.now() + Math.max(0, ms));
    },
    pausedUntil: () => pausedUntil,
  };
}

/**
 * One gate per destination account (the destination's `rateLimitKey(config)`), shared by every
 * sync and forwarding rule in the process, so two syncs to one HubSpot account share its limit.
 */
export function createRateGates(clock: Clock, options: RateGateOptions = {}) {
  const gates = new Map<string, RateGate>();
  return {
    for(key: string, rate: Pick<RateLimit, 'requests' | 'windowMs'> | null): RateGate {
      let g = gates.get(key);
      if (!g) gates.set(key, (g = createRateGate(rate, clock, options)));
      return g;
    },
  };
}
export type RateGates = ReturnType<typeof createRateGates>;
