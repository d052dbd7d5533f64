import { silentLogger, type AccessTokenProvider, type FetchLike, type Logger, type Row } from '@touchline/destinations';
import type { Clock } from '../../clock/clock.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import type { ActivationConfig } from '../config/activation-config.js';
import type { RunKind, RunRecord, RunTrigger } from '../store/records.js';
import { createSyncStore, type SyncStore } from '../store/sync-store.js';
import { createActiveRuns, settledWithin, type ActiveRun } from './active-runs.js';
import type { EngineContext } from './engine-context.js';
import { endedNotifier, verdictSteps } from './run-ended.js';
import { newOwner, releaseOwner } from './owner.js';
import type { RateGates } from './rate-gate.js';
import type { RunGate } from './run-gate.js';
import { deliverRun, type RunProgress } from './run-delivery.js';
import type { StopRequest } from './run-finish.js';
import { beginRun, dropRunTables, endRun, resumeRun, tablesOf, takeOver } from './run-lifecycle.js';
import { cancelOpenRun, dryRun, interruptedSyncs, listSyncs } from './sync-admin.js';
import { resolveSync, SyncError, testModeConfig, type ResolvedSync } from './resolve-sync.js';
import { transition } from './run-state.js';

export interface SyncEngineDeps {
  readonly config: ActivationConfig;
  readonly warehouse: Warehouse;
  readonly fetch: FetchLike;
  /** Time and every timer of the engine (retries, gate waits, heartbeats): tests advance a manual one. */
  readonly clock: Clock;
  /** The token provider of a connected destination account (src/connections/). */
  readonly auth?: (destination: string) => AccessTokenProvider | undefined;
  /** Shared with forwarding, so every sender to one account shares its limit. */
  readonly gates: RateGates;
  readonly logger?: Logger;
  readonly random?: () => number;
  /** Rows of persons a privacy request removed (src/privacy/): never sent. @defaultValue none */
  readonly suppressed?: (row: Row) => boolean;
  /** Diff rows read per page. @defaultValue 2000 */
  readonly pageSize?: number;
  /**
   * Told of every run that ended (whatever its status) and of every finished run whose status or
   * counters a late vendor verdict changed: alerts hang here. A listener that throws is logged.
   */
  readonly onRunEnded?: (run: RunRecord) => void;
}

export interface RunOptions {
  /** What started the run. @defaultValue api */
  readonly trigger?: RunTrigger;
  /**
   * Decides a planned real run: send, or stop awaiting approval (src/approvals/). Without one a
   * crossed blast-radius guard fails the run; nothing overrides a guard but an approval.
   */
  readonly gate?: RunGate;
  /** Send every row, whatever the state says (a full resync). */
  readonly full?: boolean;
  /** Send in the vendor's test mode (Google validateOnly, Meta test_event_code); the state is untouched. */
  readonly test?: boolean | string;
  /** Record the current rows as delivered without sending (the destination already holds them). */
  readonly baseline?: boolean;
  readonly onProgress?: (p: RunProgress) => void;
  /** Called once the run has its id (before staging). */
  readonly onStart?: (run: RunRecord) => void;
}

export type { SyncSummary } from './sync-admin.js';

/** How long `close` lets runs in this process finish their requests in flight. */
const CLOSE_GRACE_MS = 30_000;

const withAuth = (auth: AccessTokenProvider | undefined) => (auth ? { auth } : {});

const kindOf = (o: RunOptions): RunKind => (o.baseline ? 'baseline' : o.test ? 'test' : 'run');

/** The destination config a run sends with: the test-mode one for test runs. */
const sendConfig = (r: ResolvedSync, o: RunOptions): unknown =>
  kindOf(o) === 'test' ? testModeConfig(r, typeof o.test === 'string' ? o.test : undefined) : r.config;

/** The run to send: the interrupted one resumed, or a new one staged; or one already ended. */
async function openRun(ctx: EngineContext, r: ResolvedSync, o: RunOptions, a: ActiveRun): Promise<RunRecord> {
  const kind = kindOf(o);
  const resumable = await takeOver(ctx, r.syncName, kind, o.full === true || kind !== 'run' ? 'fresh' : 'resume');
  const onStart = (x: RunRecord) => {
    a.runId = x.runId;
    o.onStart?.(x);
  };
  if (resumable) return resumeRun(ctx, r, resumable, onStart);
  return beginRun(ctx, r, {
    kind, trigger: o.trigger ?? 'api', gate: o.gate, stateUse: o.full ? 'every-row' : 'against-state', onStart,
  });
}

/** A stop asked while the run was staging: it ends before sending anything. */
async function stopBeforeSending(ctx: EngineContext, run: RunRecord, stop: StopRequest): Promise<RunRecord> {
  if (stop.to === 'cancelled') return endRun(ctx, run, 'cancelled', { error: stop.reason });
  const paused = transition(run, 'paused', { owner: null });
  await ctx.store.saveRun(paused);
  return paused;
}

/** Sends a running run's diff through the delivery loop; its tables go once it ended (a paused run keeps them). */
async function sendRun(ctx: EngineContext, deps: SyncEngineDeps, x: { r: ResolvedSync; o: RunOptions; run: RunRecord; a: ActiveRun; config: unknown }): Promise<RunRecord> {
  const { r, o, run, a } = x;
  const final = await deliverRun({
    store: ctx.store, resolved: r, config: x.config, run, stageTable: tablesOf(run.runId).stage, diffTable: tablesOf(run.runId).diff,
    fetch: deps.fetch, clock: deps.clock, gate: deps.gates.for(r.gateKey, r.rate), logger: ctx.log,
    ...withAuth(deps.auth?.(r.name)),
    ...(deps.random ? { random: deps.random } : {}),
    ...(deps.suppressed ? { suppressed: deps.suppressed } : {}),
    pageSize: deps.pageSize ?? 2000,
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    stopSignal: { onStop: a.onStop },
  });
  return final.status === 'paused' ? final : dropRunTables(ctx, final);
}

/** Cancels a sync's open run: this process's is told to stop; one left by a dead process is ended here. */
async function cancelSync(ctx: EngineContext, active: ReturnType<typeof createActiveRuns>, name: string): Promise<RunRecord | null> {
  const mine = active.get(name);
  if (!mine) return cancelOpenRun(ctx, name);
  mine.stop('cancelled', 'cancelled by a user');
  return null;
}

/** Pauses every run in this process (shutdown): they resume on the next start. */
async function closeEngine(ctx: EngineContext, active: ReturnType<typeof createActiveRuns>): Promise<void> {
  const runs = active.all();
  for (const a of runs) a.stop('paused', 'shutting down');
  // Requests in flight finish and are checkpointed; a run that does not end within the grace
  // period is left to the next start, which finds it interrupted and resumes it.
  const left = await settledWithin(runs.map((a) => a.done), CLOSE_GRACE_MS, (ms, fn) => ctx.clock.after(ms, fn));
  if (left > 0) ctx.log.warn('sync engine closed with runs still stopping; they resume at the next start', { runs: left });
  releaseOwner(ctx.owner);
}

/**
 * The sync engine: stages a sync's source with a hash per primary key, diffs it against what the
 * sync last delivered (in SQL, in the warehouse), and sends the diff through the shared delivery
 * loop, checkpointing after every acknowledged request. Runs follow the state machine in
 * `run-state.ts`; an interrupted run is resumed, never restarted. The steps live in
 * `run-plan.ts` (stage, diff, guards), `run-lifecycle.ts` (take over, begin, resume, end),
 * `run-delivery.ts` (send, checkpoint, finish) and `sync-admin.ts` (list, dry run, cancel);
 * this factory only ties them to the runs held in this process, in functions of a few lines.
 */
export function createSyncEngine(deps: SyncEngineDeps) {
  const store: SyncStore = createSyncStore(deps.warehouse, deps.clock);
  const log = deps.logger ?? silentLogger;
  const ctx: EngineContext = { config: deps.config, warehouse: deps.warehouse, store, clock: deps.clock, log, owner: newOwner() };
  const active = createActiveRuns();
  const ended = endedNotifier(log, deps.onRunEnded);
  const verdicts = verdictSteps(ctx, deps, ended);

  async function run(name: string, o: RunOptions = {}): Promise<RunRecord> {
    const r = resolveSync(deps.config, name);
    const busy = active.get(name);
    if (busy) throw new SyncError(`sync ${name} is already running in this process (run ${busy.runId})`);
    const config = sendConfig(r, o);
    return active.hold(name, async (a) => {
      await verdicts.before(r);
      const opened = await openRun(ctx, r, o, a);
      if (opened.status !== 'running') return opened.status === 'paused' ? opened : ended(opened);
      const stop = a.requested();
      const final = stop ? await stopBeforeSending(ctx, opened, stop) : await sendRun(ctx, deps, { r, o, run: opened, a, config });
      return final.status === 'paused' ? final : ended(final);
    });
  }

  return {
    store,
    owner: ctx.owner,
    /** Every configured sync with its last run and the rows it remembers. */
    list: () => listSyncs(ctx),
    run,
    /** The diff and the exact requests, without sending anything or changing the state. */
    dryRun: (name: string, options: { limit?: number; full?: boolean } = {}) => dryRun(ctx, name, options),
    /** Stops a sync's run in this process: `paused` resumes on the next run, `cancelled` does not. */
    stop(name: string, to: StopRequest['to'], reason: string): boolean {
      const a = active.get(name);
      a?.stop(to, reason);
      return a !== undefined;
    },
    /** Cancels a sync's open run, in this process or left behind by a dead one. */
    cancel: (name: string) => cancelSync(ctx, active, name),
    history: (name: string, limit = 20) => {
      resolveSync(deps.config, name);
      return store.runs(name, { limit });
    },
    /** Syncs with a run left open by a process that is gone: resume them (server start). */
    interrupted: () => interruptedSyncs(ctx),
    isRunning: (name: string) => active.has(name),
    /** The vendor's late verdicts on the sync's finished runs (the scheduler asks; a run asks first). */
    collectVerdicts: async (name: string) => verdicts.named(resolveSync(deps.config, name), active.has(name)),
    /** Whether the sync's destination decides after answering (asynchronous outcomes). */
    hasLateVerdicts: (name: string) => resolveSync(deps.config, name).destination.outcomes !== undefined,
    /** Pauses every run in this process (shutdown): they resume on the next start. */
    close: () => closeEngine(ctx, active),
  };
}
export type SyncEngine = ReturnType<typeof createSyncEngine>;
