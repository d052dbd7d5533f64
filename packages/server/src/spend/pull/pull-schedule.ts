import { dueAfter, timedOf } from '../../activation/engine/schedule-plan.js';
import type { Clock } from '../../clock/clock.js';
import type { Log } from '../../logging/log.js';
import type { AccountOutcome, PullFilter } from './pull-runner.js';
import type { SpendConfig } from './spend-pull-config.js';

/** How often the schedule looks whether a pull is due: the clock's timer, so tests advance it. */
const TICK_MS = 30_000;

export interface SpendPulls {
  /** Runs a pull now; pulls never overlap (a second waits for the first). */
  run(filter: PullFilter): Promise<AccountOutcome[]>;
  /** When the schedule pulls next (ms), or null when it is manual. */
  nextDue(): number | null;
  /** Stops the schedule and waits for a pull under way. */
  close(): Promise<void>;
}

/**
 * Spend pulls in the server: on demand (the admin route) and by `spend.pull.schedule` (`every`
 * or `cron`, read like a sync's). A missed time is not caught up one by one: the next pull's
 * window reaches back to the day after the last pulled one (pull-window.ts), which covers it.
 */
export function startSpendPulls(o: { spend: SpendConfig; clock: Clock; log: Log; schedule: boolean; pull: (f: PullFilter) => Promise<AccountOutcome[]> }): SpendPulls {
  let chain: Promise<unknown> = Promise.resolve();
  const run = (filter: PullFilter): Promise<AccountOutcome[]> => {
    const next = chain.then(() => o.pull(filter));
    // The chain only orders pulls: each caller gets its own failure through `next`.
    chain = next.catch(() => undefined);
    return next;
  };
  const timed = o.schedule && Object.keys(o.spend.pull.connections).length > 0 ? timedOf(o.spend.pull.schedule) : null;
  let due = timed ? dueAfter(timed, o.clock.now()) : null;
  const stop = timed
    ? o.clock.every(TICK_MS, () => {
        if (due === null || o.clock.now() < due) return;
        due = dueAfter(timed, o.clock.now());
        void run({}).then(
          (outs) => outs.filter((x) => !x.ok).forEach((x) => !x.ok && o.log.warn(`spend pull of ${x.network} ${x.account} failed (${x.failure}): ${x.message}; fix: ${x.fix}`)),
          (err: unknown) => o.log.error(`spend pull stopped: ${err instanceof Error ? err.message : String(err)}`),
        );
      })
    : () => undefined;
  return {
    run,
    nextDue: () => due,
    async close() {
      stop();
      await chain;
    },
  };
}
