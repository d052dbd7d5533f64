import type { Logger } from '@touchline/destinations';
import type { Clock } from '../../clock/clock.js';
import type { SyncConfig } from '../config/activation-config.js';
import type { RunRecord, RunTrigger } from '../store/records.js';
import { chainedAfter, dueAfter, dueAtStart, timedOf, type Timed } from './schedule-plan.js';
import type { SyncEngine } from './sync-engine.js';

export interface SchedulerOptions {
  readonly syncs: Readonly<Record<string, SyncConfig>>;
  readonly engine: Pick<SyncEngine, 'run' | 'interrupted' | 'history' | 'isRunning' | 'collectVerdicts' | 'hasLateVerdicts'>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How often due syncs are looked for. @defaultValue 5 s */
  readonly tickMs?: number;
  /** How often the late verdicts of a sync with asynchronous outcomes are collected. @defaultValue 5 min */
  readonly verdictsEveryMs?: number;
}

/** A timed sync the scheduler waits on, and when it is next due. */
export interface Due {
  readonly sync: string;
  readonly dueAt: number;
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The scheduler's one mutable state. */
interface SchedulerState {
  readonly timed: Map<string, Timed>;
  /** When each timed sync is next due. */
  readonly nextAt: Map<string, number>;
  /** Syncs whose `after` sync just succeeded, waiting to start. */
  readonly chainDue: Set<string>;
  /** When each sync with late verdicts is next asked about them. */
  readonly verdictsAt: Map<string, number>;
  /** Runs and collections started and not yet returned. */
  readonly running: Set<Promise<unknown>>;
  readonly verdictsEvery: number;
}

function track(s: SchedulerState, p: Promise<unknown>): void {
  const q = p.finally(() => s.running.delete(q));
  s.running.add(q);
}

function launch(o: SchedulerOptions, s: SchedulerState, name: string, trigger: RunTrigger): void {
  track(
    s,
    o.engine
      .run(name, { trigger })
      .then((run) => o.logger.info('sync run finished', { sync: name, run: run.runId, status: run.status, error: run.error }))
      .catch((err: unknown) => o.logger.error('sync run failed', { sync: name, error: errorText(err) })),
  );
}

/** Resumes interrupted runs and works out when each timed sync is first due (schedule-plan.ts). */
async function init(o: SchedulerOptions, s: SchedulerState): Promise<void> {
  for (const name of await o.engine.interrupted()) launch(o, s, name, 'startup');
  const now = o.clock.now();
  for (const [name, sync] of Object.entries(o.syncs)) {
    if (o.engine.hasLateVerdicts(name)) s.verdictsAt.set(name, now + s.verdictsEvery);
    const t = timedOf(sync.schedule);
    if (!t) continue;
    s.timed.set(name, t);
    const [last] = await o.engine.history(name, 1);
    const at = dueAtStart(t, last ? Date.parse(last.startedAt) : null, now);
    if (at !== null) s.nextAt.set(name, at);
  }
}

/** Collects a sync's late verdicts when due and the sync is idle; a failure is asked again later. */
function collectDue(o: SchedulerOptions, s: SchedulerState, now: number): void {
  for (const [name, at] of s.verdictsAt) {
    if (at > now || o.engine.isRunning(name)) continue;
    s.verdictsAt.set(name, now + s.verdictsEvery);
    track(s, o.engine.collectVerdicts(name).catch((e: unknown) => o.logger.warn('late verdicts not collected; asked again later', { sync: name, error: errorText(e) })));
  }
}

/** Launches the timed syncs due at the clock's now and the chained syncs waiting, if idle. */
function tick(o: SchedulerOptions, s: SchedulerState): void {
  const now = o.clock.now();
  for (const [name, at] of s.nextAt) {
    if (at > now || o.engine.isRunning(name)) continue;
    const next = dueAfter(s.timed.get(name)!, now);
    if (next === null) s.nextAt.delete(name);
    else s.nextAt.set(name, next);
    launch(o, s, name, 'schedule');
  }
  for (const name of s.chainDue) {
    if (o.engine.isRunning(name)) continue;
    s.chainDue.delete(name);
    launch(o, s, name, 'chain');
  }
  collectDue(o, s, now);
}

/**
 * Runs syncs by their schedule in the server (schedule-plan.ts has the rules): `every` and
 * `cron` by the injected clock, `after` when the named sync's run ends `succeeded`; a sync never
 * runs twice at the same time (one that falls due while running goes once the run ends). Runs left
 * interrupted by a dead process are resumed at start, whatever their schedule. Also collects late
 * vendor verdicts (asynchronous outcomes) every `verdictsEveryMs` per sync that has them.
 */
export function createScheduler(o: SchedulerOptions) {
  const s: SchedulerState = {
    timed: new Map(), nextAt: new Map(), chainDue: new Set(), verdictsAt: new Map(), running: new Set(), verdictsEvery: o.verdictsEveryMs ?? 5 * 60_000,
  };
  let stopTicking: (() => void) | null = null;
  const doTick = () => tick(o, s);
  return {
    async start(): Promise<void> {
      await init(o, s);
      doTick();
      stopTicking = o.clock.every(o.tickMs ?? 5000, doTick);
    },
    /**
     * Launches the syncs due at the clock's now (the timer calls it every `tickMs`; tests advance
     * their clock and call it, instead of waiting for the timer).
     */
    tick: doTick,
    /**
     * Told of every ended run (the engine's `onRunEnded`): a real run that `succeeded` starts the
     * syncs scheduled after it. A `partially_failed` or `failed` run does not: what follows it
     * would build on incomplete data.
     */
    runEnded(run: RunRecord): void {
      if (run.kind !== 'run' || run.status !== 'succeeded') return;
      const next = chainedAfter(o.syncs, run.syncName);
      if (next.length === 0) return;
      next.forEach((n) => s.chainDue.add(n));
      // After the ending run has let go of its sync (the engine calls this just before).
      queueMicrotask(doTick);
    },
    /** Timed syncs whose due time is more than `graceMs` past (not run on time), for alerts and status. */
    overdue(graceMs: number): Due[] {
      const now = o.clock.now();
      return [...s.nextAt].filter(([, at]) => now - at > graceMs).map(([sync, dueAt]) => ({ sync, dueAt }));
    },
    /** When each timed sync is next due. */
    due: (): Due[] => [...s.nextAt].map(([sync, dueAt]) => ({ sync, dueAt })),
    /** Stops scheduling; runs in progress are paused by the engine's close. */
    async stop(): Promise<void> {
      stopTicking?.();
      stopTicking = null;
    },
    /** Resolves when the runs (and collections) started by the scheduler have returned. */
    async idle(): Promise<void> {
      while (s.running.size > 0) await Promise.all([...s.running]);
    },
  };
}
export type Scheduler = ReturnType<typeof createScheduler>;
