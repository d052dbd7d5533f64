import type { Clock, Logger } from '@touchline/destinations';
import type { SyncConfig } from '../config/activation-config.js';
import { parseDuration } from '../config/duration.js';
import type { RunTrigger } from '../store/records.js';
import type { SyncEngine } from './sync-engine.js';

export interface SchedulerOptions {
  readonly syncs: Readonly<Record<string, SyncConfig>>;
  readonly engine: SyncEngine;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How often due syncs are looked for. @defaultValue 5 s */
  readonly tickMs?: number;
}

/**
 * Runs syncs with `schedule: { every }` in the server: a sync is due `every` after its last run
 * started (at once when it never ran), and never runs twice at the same time. Runs left
 * interrupted by a dead process are resumed at start, whatever their schedule.
 */
export function createScheduler(o: SchedulerOptions) {
  const tickMs = o.tickMs ?? 5000;
  const nextAt = new Map<string, number>();
  let timer: NodeJS.Timeout | null = null;
  const running = new Set<Promise<unknown>>();

  const launch = (name: string, trigger: RunTrigger) => {
    const p = o.engine
      .run(name, { trigger })
      .then((run) => o.logger.info('sync run finished', { sync: name, run: run.runId, status: run.status, error: run.error }))
      .catch((err: unknown) => o.logger.error('sync run failed', { sync: name, error: err instanceof Error ? err.message : String(err) }))
      .finally(() => running.delete(p));
    running.add(p);
  };

  async function init(): Promise<void> {
    for (const name of await o.engine.interrupted()) launch(name, 'startup');
    for (const [name, sync] of Object.entries(o.syncs)) {
      if (sync.schedule === 'manual') continue;
      const every = parseDuration(sync.schedule.every)!;
      const [last] = await o.engine.history(name, 1);
      nextAt.set(name, last ? Date.parse(last.startedAt) + every : o.clock.now());
    }
  }

  function tick(): void {
    const now = o.clock.now();
    for (const [name, at] of nextAt) {
      if (at > now || o.engine.isRunning(name)) continue;
      const sync = o.syncs[name]!;
      if (sync.schedule === 'manual') continue;
      nextAt.set(name, now + parseDuration(sync.schedule.every)!);
      launch(name, 'schedule');
    }
  }

  return {
    async start(): Promise<void> {
      await init();
      tick();
      timer = setInterval(tick, tickMs);
      timer.unref();
    },
    /**
     * Launches the syncs due at the clock's now (the timer calls it every `tickMs`; tests advance
     * their clock and call it, instead of waiting for the timer).
     */
    tick,
    /** Stops scheduling; runs in progress are paused by the engine's close. */
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
    },
    /** Resolves when the runs started by the scheduler have returned. */
    async idle(): Promise<void> {
      while (running.size > 0) await Promise.all([...running]);
    },
  };
}
