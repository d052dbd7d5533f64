import type { Clock } from '../../clock/clock.js';

/** Waits for `ms` milliseconds on the engine's clock (a test advances it instead of waiting). */
export type Sleep = (ms: number) => Promise<void>;

/** setInterval's longest period: the hold below never fires, it only holds. */
const HOLD_MS = 2 ** 31 - 1;

/**
 * Calls `fn` after `ms` on the clock, and holds the process until then (or until cancelled). The
 * clock's timers never keep the process alive on their own, but a delivery waiting for a retry,
 * or the forwarder waiting on its outbox, may be all a one-off `touchline sync run` (or the
 * forwarder's drain) has left to do: without the hold, the process would exit mid-run.
 */
export function heldAfter(clock: Pick<Clock, 'after'>, ms: number, fn: () => void): () => void {
  const hold = setInterval(() => undefined, HOLD_MS);
  const cancelTimer = clock.after(Math.max(0, ms), () => {
    clearInterval(hold);
    fn();
  });
  return () => {
    clearInterval(hold);
    cancelTimer();
  };
}

/** The engine's sleep: `ms` on the clock, the process held meanwhile. */
export const sleepOn =
  (clock: Pick<Clock, 'after'>): Sleep =>
  (ms) =>
    new Promise((resolve) => void heldAfter(clock, ms, resolve));

/** Wakes every waiter when something changed; a waiter also wakes after its timeout on the clock. */
export function createNotifier(clock: Pick<Clock, 'after'>) {
  let waiters: (() => void)[] = [];
  return {
    notify(): void {
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    },
    wait(timeoutMs: number): Promise<void> {
      return new Promise((resolve) => {
        // Woken by notify or by the timer, whichever comes first; the other is then a no-op.
        const done = () => {
          cancel();
          resolve();
        };
        const cancel = heldAfter(clock, timeoutMs, done);
        waiters.push(done);
      });
    },
  };
}
