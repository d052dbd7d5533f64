import { TOKEN_PREFIX } from '../people/tokens.js';

/**
 * Failed dashboard sign-ins, counted per client IP and per token prefix over a sliding window.
 * Past the limit, sign-in from that IP, or with a token of that prefix, is refused with 429 until
 * the oldest failure in the window ages out, without checking the token: a guesser learns nothing
 * more. Per IP stops one machine guessing; per prefix stops many machines guessing one member's
 * token (a personal token's public id is shown in lists and the audit log, its secret never).
 * Kept in memory: a restart forgets the counts, as it signs everyone out.
 */
export interface SignInLimiter {
  /** Seconds until an attempt from these keys may be tried again, or null when it may be now. */
  blocked(keys: readonly string[]): number | null;
  /** Counts a failed attempt against each key. */
  failed(keys: readonly string[]): void;
}

export interface SignInLimiterOptions {
  /** Failed sign-ins per IP, and per token prefix, within the window before the 429s. @defaultValue 10 */
  readonly maxFailures?: number;
  /** The window. @defaultValue 15 minutes */
  readonly windowMs?: number;
  /** Keys remembered at most (the oldest goes first): a flood of IPs cannot fill the memory. @defaultValue 10,000 */
  readonly maxKeys?: number;
  readonly now?: () => number;
}

/**
 * The keys one attempt counts against: its IP, and its token's prefix — a personal token's
 * `tl_pat_<public id>`, or the first 8 characters of anything else (the admin token, junk).
 */
export function signInKeys(ip: string, token: string): string[] {
  const pat = token.startsWith(TOKEN_PREFIX) ? /^tl_pat_[0-9a-f]{16}/.exec(token)?.[0] : undefined;
  return [`ip:${ip}`, `prefix:${pat ?? token.slice(0, 8)}`];
}

export function createSignInLimiter(o: SignInLimiterOptions = {}): SignInLimiter {
  const max = o.maxFailures ?? 10;
  const windowMs = o.windowMs ?? 15 * 60_000;
  const maxKeys = o.maxKeys ?? 10_000;
  const now = o.now ?? Date.now;
  // Each key's failure times, oldest first; a Map iterates in insertion order (the oldest key first).
  const failures = new Map<string, number[]>();
  const recent = (key: string, t: number): number[] => {
    const kept = (failures.get(key) ?? []).filter((at) => at > t - windowMs);
    if (kept.length === 0) failures.delete(key);
    else failures.set(key, kept);
    return kept;
  };
  return {
    blocked(keys) {
      const t = now();
      let wait = 0;
      for (const key of keys) {
        const times = recent(key, t);
        // Blocked until enough of the oldest failures leave the window to bring the count under the limit.
        if (times.length >= max) wait = Math.max(wait, times[times.length - max]! + windowMs - t);
      }
      return wait > 0 ? Math.ceil(wait / 1000) : null;
    },
    failed(keys) {
      const t = now();
      for (const key of keys) {
        const times = recent(key, t);
        failures.delete(key);
        failures.set(key, [...times.slice(Math.max(0, times.length - (max - 1))), t]);
        while (failures.size > maxKeys) failures.delete(failures.keys().next().value!);
      }
    },
  };
}
