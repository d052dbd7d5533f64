import type { FetchLike, Logger } from '@touchline/destinations';
import type { RunRecord } from '../store/records.js';
import type { EngineContext } from './engine-context.js';
import { collectVerdicts, type VerdictSummary } from './late-verdicts.js';
import { sleepOn } from './notifier.js';
import type { RateGates } from './rate-gate.js';
import { SyncError, type ResolvedSync } from './resolve-sync.js';

/**
 * Tells the engine's `onRunEnded` listener of a run (and hands the run back). A listener that
 * throws is logged: alerting must never change what happened to a run.
 */
export function endedNotifier(log: Logger, listener: ((run: RunRecord) => void) | undefined) {
  return (run: RunRecord): RunRecord => {
    try {
      listener?.(run);
    } catch (error) {
      log.error('sync engine: a run listener failed', { run: run.runId, error: error instanceof Error ? error.message : String(error) });
    }
    return run;
  };
}

export interface VerdictDeps {
  readonly fetch: FetchLike;
  readonly gates: RateGates;
}

/** Late-verdict collection for the engine: each run reassessed by a verdict is told as ended. */
export function verdictSteps(ctx: EngineContext, deps: VerdictDeps, ended: (run: RunRecord) => RunRecord) {
  // One collection per sync at a time (the scheduler's and a starting run's could meet): a second
  // one waits for the first, then finds its verdicts recorded instead of recording them twice.
  const inFlight = new Map<string, Promise<unknown>>();
  async function collectOnce(r: ResolvedSync): Promise<VerdictSummary> {
    const summary = await collectVerdicts(ctx, r, { fetch: deps.fetch, gate: deps.gates.for(r.gateKey, r.rate), sleep: sleepOn(ctx.clock) });
    summary.runs.forEach(ended);
    return summary;
  }
  function collect(r: ResolvedSync): Promise<VerdictSummary> {
    const previous = inFlight.get(r.syncName) ?? Promise.resolve();
    // The chain only orders one sync's collections: each caller gets its own failure through `next`.
    const next = previous.catch(() => undefined).then(() => collectOnce(r));
    const settled = next.catch(() => undefined);
    inFlight.set(r.syncName, settled);
    void settled.then(() => inFlight.get(r.syncName) === settled && inFlight.delete(r.syncName));
    return next;
  }
  return {
    collect,
    /** Collects for a sync by name; refused while it runs (its counters belong to that run). */
    named(r: ResolvedSync, running: boolean): Promise<VerdictSummary> {
      if (running) return Promise.reject(new SyncError(`sync ${r.syncName} is running; its late verdicts are collected after the run`));
      return collect(r);
    },
    /** Earlier runs' late verdicts, before a run: a failure to ask loses nothing (asked again), so it is logged. */
    async before(r: ResolvedSync): Promise<void> {
      await collect(r).catch((e: unknown) =>
        ctx.log.warn('sync run: late verdicts not collected; asked again at the next run', { sync: r.syncName, error: e instanceof Error ? e.message : String(e) }),
      );
    },
  };
}
