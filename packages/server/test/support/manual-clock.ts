import type { Clock } from '../../src/clock/clock.js';

/** A clock that moves only when a test advances it, firing the timers (`every` and `after`) that fall due, in order. */
export interface ManualClock extends Clock {
  /** Moves time forward by `ms`, running each timer as many times as it falls due. */
  advance(ms: number): void;
  /** Timers not yet cancelled. */
  timers(): number;
}

export function manualClock(start = Date.parse('2026-03-01T12:00:00.000Z')): ManualClock {
  let now = start;
  let nextId = 0;
  // `every: 0` marks a one-shot timer (`after`): it runs once and is gone.
  const timers = new Map<number, { every: number; due: number; fn: () => void }>();
  return {
    now: () => now,
    every(ms, fn) {
      const id = nextId++;
      timers.set(id, { every: Math.max(1, ms), due: now + Math.max(1, ms), fn });
      return () => void timers.delete(id);
    },
    after(ms, fn) {
      const id = nextId++;
      timers.set(id, { every: 0, due: now + Math.max(0, ms), fn });
      return () => void timers.delete(id);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const next = [...timers.entries()].filter(([, t]) => t.due <= end).sort(([, a], [, b]) => a.due - b.due)[0];
        if (!next) break;
        const [id, t] = next;
        now = t.due;
        if (t.every === 0) timers.delete(id);
        else t.due += t.every;
        t.fn();
      }
      now = end;
    },
    timers: () => timers.size,
  };
}
