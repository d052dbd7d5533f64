/**
 * Waits for `ms` milliseconds (injected so tests and the engine can share one notion of waiting).
 * Its timer, like the notifier's, keeps the process alive, unlike the Clock's unref'd timers: a
 * delivery waiting for a retry is all a one-off `touchline sync run` has left to do.
 */
export type Sleep = (ms: number) => Promise<void>;

export const sleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Wakes every waiter when something changed; a waiter also wakes after its timeout. */
export function createNotifier() {
  let waiters: (() => void)[] = [];
  return {
    notify(): void {
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    },
    wait(timeoutMs: number): Promise<void> {
      return new Promise((resolve) => {
        const timer = setTimeout(done, Math.max(0, timeoutMs));
        function done() {
          clearTimeout(timer);
          resolve();
        }
        waiters.push(done);
      });
    },
  };
}
