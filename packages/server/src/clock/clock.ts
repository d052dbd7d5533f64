/**
 * Time, passed in: every module that reads the time or runs a timer (activation's scheduler,
 * heartbeats and retry waits included) takes a `Clock`, so a test advances it
 * (test/support/manual-clock.ts) instead of sleeping. The shape extends `@touchline/destinations`'
 * `Clock` (`now()`), so the same clock is what destinations see when they send.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Calls `fn` every `ms` milliseconds until the returned function is called. The timer never
   * keeps the process alive on its own.
   */
  every(ms: number, fn: () => void): () => void;
  /**
   * Calls `fn` once, `ms` milliseconds from now, unless the returned function is called first.
   * The timer never keeps the process alive on its own.
   */
  after(ms: number, fn: () => void): () => void;
}

/** The machine's clock and timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  every(ms, fn) {
    const t = setInterval(fn, ms);
    t.unref();
    return () => clearInterval(t);
  },
  after(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return () => clearTimeout(t);
  },
};

/** The clock's time as a `Date` (what request facts and ISO stamps take). */
export function dateOf(clock: Clock): Date {
  return new Date(clock.now());
}
