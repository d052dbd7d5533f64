import type { Clock } from '../../clock/clock.js';
import type { StopRequest } from './run-finish.js';

/** A run in progress in this process, by sync name: its id once known, and how to stop it. */
export interface ActiveRun {
  runId: string;
  /** The first stop asked, if any (later ones are ignored: the first decides paused or cancelled). */
  readonly requested: () => StopRequest | null;
  stop(to: StopRequest['to'], reason: string): void;
  /** Called on a stop; the delivery of the run registers here once it sends. */
  onStop(listener: (to: StopRequest['to'], reason: string) => void): void;
  /** Settles when the run has returned. */
  readonly done: Promise<void>;
}

/** The runs of one engine in this process: at most one per sync. */
export function createActiveRuns() {
  const active = new Map<string, ActiveRun>();

  /** Registers a run of `name` until `work` settles; its result is `work`'s. */
  async function hold<T>(name: string, work: (run: ActiveRun) => Promise<T>): Promise<T> {
    let requested: StopRequest | null = null;
    let settle: () => void = () => undefined;
    const listeners: ((to: StopRequest['to'], reason: string) => void)[] = [];
    const run: ActiveRun = {
      runId: '',
      requested: () => requested,
      stop(to, reason) {
        requested ??= { to, reason };
        listeners.forEach((l) => l(to, reason));
      },
      onStop: (l) => void listeners.push(l),
      done: new Promise<void>((r) => (settle = r)),
    };
    active.set(name, run);
    try {
      return await work(run);
    } finally {
      active.delete(name);
      settle();
    }
  }

  return {
    hold,
    get: (name: string) => active.get(name),
    has: (name: string) => active.has(name),
    all: () => [...active.values()],
  };
}

/**
 * Waits for every promise to settle, or `ms` on the clock's timer (unref'd: a shutdown is not held
 * up by it once everything settled); returns how many had not settled by then.
 */
export async function settledWithin(promises: readonly Promise<unknown>[], ms: number, after: Clock['after']): Promise<number> {
  let left = promises.length;
  const all = Promise.allSettled(promises.map((p) => p.finally(() => left--)));
  let cancel: (() => void) | undefined;
  const timeout = new Promise<void>((r) => {
    cancel = after(ms, r);
  });
  await Promise.race([all, timeout]);
  cancel?.();
  return left;
}
