import type { RowStatus } from '../contract/result.js';

/** Options for {@link createRetryPolicy}. */
export interface RetryPolicyOptions {
  /**
   * Attempts in all, the first send included.
   * @defaultValue 5 (Grouparoo's `exports-max-retries-count`, activation-contracts.md §12.1)
   */
  readonly maxAttempts?: number;
  /** @defaultValue 1000 */
  readonly baseDelayMs?: number;
  /** Cap for the exponential part (a vendor's Retry-After may exceed it). @defaultValue 300000 */
  readonly maxDelayMs?: number;
  /** Random source in [0, 1), injected so tests are deterministic. @defaultValue Math.random */
  readonly random?: () => number;
}

export type RetryDecision =
  | { readonly retry: true; readonly delayMs: number }
  | { readonly retry: false; readonly reason: string };

/** The part of a row result the policy reads. */
export interface RetryInput {
  readonly status: RowStatus;
  readonly retryAfterMs?: number;
}

/**
 * Exponential backoff with full jitter that honours the vendor's wait: a row that came back
 * `rate_limited` / `retryable` with `retryAfterMs` waits at least that long (plus up to one base
 * delay of jitter, so a fleet of workers does not return in the same millisecond); otherwise it
 * waits `random * min(maxDelay, base * 2^(attempt-1))`. Delivered and rejected rows are final.
 *
 * `attempt` is the number of attempts already made (1 after the first send).
 */
export function createRetryPolicy(options: RetryPolicyOptions = {}) {
  const maxAttempts = options.maxAttempts ?? 5;
  const base = options.baseDelayMs ?? 1000;
  const cap = options.maxDelayMs ?? 300_000;
  const random = options.random ?? Math.random;
  return {
    maxAttempts,
    decide(result: RetryInput, attempt: number): RetryDecision {
      if (result.status === 'delivered') return { retry: false, reason: 'delivered' };
      if (result.status === 'rejected') return { retry: false, reason: 'rejected: permanent' };
      if (attempt >= maxAttempts) {
        return { retry: false, reason: `gave up after ${attempt} attempts (maxAttempts ${maxAttempts})` };
      }
      if (result.retryAfterMs !== undefined) {
        return { retry: true, delayMs: Math.ceil(result.retryAfterMs + random() * base) };
      }
      const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt - 1));
      return { retry: true, delayMs: Math.ceil(random() * ceiling) };
    },
  };
}
export type RetryPolicy = ReturnType<typeof createRetryPolicy>;
