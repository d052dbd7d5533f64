import { describe, expect, it } from 'vitest';
import { createRetryPolicy, createTokenBucket, createTokenBuckets } from '@touchline/destinations';

const manualClock = (t = 0) => ({ t, now() { return this.t; } });

describe('token bucket', () => {
  it('allows the documented burst, then refills at the documented rate', () => {
    const clock = manualClock();
    const b = createTokenBucket({ requests: 300, windowMs: 60_000 }, clock);
    for (let i = 0; i < 300; i++) expect(b.take().ok).toBe(true);
    const denied = b.take();
    expect(denied).toEqual({ ok: false, waitMs: 200 });
    clock.t += 200;
    expect(b.take().ok).toBe(true);
    expect(b.take().ok).toBe(false);
  });

  it('pauses for a vendor Retry-After', () => {
    const clock = manualClock();
    const b = createTokenBucket({ requests: 100, windowMs: 10_000 }, clock);
    b.pause(10_000);
    expect(b.take().ok).toBe(false);
    clock.t += 9_999;
    expect(b.available()).toBe(0);
    clock.t += 101;
    expect(b.take().ok).toBe(true);
  });

  it('keeps one bucket per account key', () => {
    const clock = manualClock();
    const buckets = createTokenBuckets(clock);
    const rate = { requests: 1, windowMs: 1000 };
    expect(buckets.for('a', rate).take().ok).toBe(true);
    expect(buckets.for('a', rate).take().ok).toBe(false);
    expect(buckets.for('b', rate).take().ok).toBe(true);
  });

  it('refuses a nonsensical rate', () => {
    expect(() => createTokenBucket({ requests: 0, windowMs: 1 }, manualClock())).toThrow(RangeError);
  });
});

describe('retry policy', () => {
  const policy = createRetryPolicy({ maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 5000, random: () => 0.5 });

  it('never retries delivered or rejected rows', () => {
    expect(policy.decide({ status: 'delivered' }, 1)).toMatchObject({ retry: false });
    expect(policy.decide({ status: 'rejected' }, 1)).toMatchObject({ retry: false });
  });

  it('backs off exponentially with jitter, capped', () => {
    const delays = [1, 2, 3].map((a) => policy.decide({ status: 'retryable' }, a));
    expect(delays).toEqual([
      { retry: true, delayMs: 500 },
      { retry: true, delayMs: 1000 },
      { retry: true, delayMs: 2000 },
    ]);
    const capped = createRetryPolicy({ maxAttempts: 99, baseDelayMs: 1000, maxDelayMs: 5000, random: () => 0.999 });
    expect(capped.decide({ status: 'retryable' }, 10)).toEqual({ retry: true, delayMs: 4995 });
  });

  it('waits at least what the vendor said', () => {
    expect(policy.decide({ status: 'rate_limited', retryAfterMs: 30_000 }, 1)).toEqual({ retry: true, delayMs: 30_500 });
  });

  it('gives up after maxAttempts', () => {
    expect(policy.decide({ status: 'retryable' }, 4)).toMatchObject({ retry: false });
  });
});
