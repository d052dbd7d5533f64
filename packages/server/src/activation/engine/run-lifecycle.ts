import { randomBytes } from 'node:crypto';
import { runTable } from '../store/store-engine.js';
import type { RunKind, RunRecord, RunTrigger } from '../store/records.js';
import { StageError, type SyncStore } from '../store/sync-store.js';
import { errorText, isoNow, type EngineContext } from './engine-context.js';
import { MappingError } from './field-mapping.js';
import { ownerAlive } from './owner.js';
import { SyncError, type ResolvedSync } from './resolve-sync.js';
import type { RunGate } from './run-gate.js';
import { diffPlan, guardRun, planRun } from './run-plan.js';
import { asInterrupted, OPEN_STATUSES, transition } from './run-state.js';

/** `run_<UTC yyyymmddhhmmss>_<6 hex>`: sortable by start, unique across processes. */
export const newRunId = (now: number): string =>
  `run_${new Date(now).toISOString().replace(/\D/g, '').slice(0, 14)}_${randomBytes(3).toString('hex')}`;

/** A run's own tables. */
export const tablesOf = (runId: string) => ({ stage: runTable('stage', runId), diff: runTable('diff', runId) });

/** Drops each table, whatever the others do; returns `table: error` for those that failed. */
export async function dropTables(store: SyncStore, tables: readonly string[]): Promise<string[]> {
  const failures: string[] = [];
  for (const t of tables) await store.dropTable(t).catch((e: unknown) => failures.push(`${t}: ${errorText(e)}`));
  return failures;
}

/**
 * Drops a finished run's stage and diff tables. A drop that fails loses nothing (the run is
 * saved; the tables are only in the way), so the run stands; the failure is logged and noted
 * in the run's `details.cleanup`, where `sync history --json` shows it.
 */
export async function dropRunTables(ctx: EngineContext, run: RunRecord): Promise<RunRecord> {
  const t = tablesOf(run.runId);
  const failures = await dropTables(ctx.store, [t.diff, t.stage]);
  if (failures.length === 0) return run;
  ctx.log.warn('sync run: staging tables not dropped', { sync: run.syncName, run: run.runId, failures });
  const noted = { ...run, details: { ...run.details, cleanup: failures } };
  await ctx.store.saveRun(noted);
  return noted;
}

/** Ends a run that will not send: saves it and drops its tables. */
export async function endRun(ctx: EngineContext, run: RunRecord, to: 'failed' | 'succeeded' | 'cancelled' | 'awaiting_approval', patch: Partial<RunRecord> = {}): Promise<RunRecord> {
  const from = run.status === 'pending' && to === 'succeeded' ? transition(run, 'running') : run;
  const done = transition(from, to, { finishedAt: isoNow(ctx), ...patch });
  await ctx.store.saveRun(done);
  return dropRunTables(ctx, done);
}

/** Whether a new run may resume the sync's interrupted run, or must start afresh. */
export type Resumption = 'resume' | 'fresh';

/**
 * The open runs of a sync: the one to resume (if any); the others are closed as superseded.
 * Refuses while another live process runs the sync, and a test or baseline run while a real run
 * waits to be resumed.
 */
export async function takeOver(ctx: EngineContext, name: string, kind: RunKind, resumption: Resumption): Promise<RunRecord | null> {
  const open = await ctx.store.runs(name, { statuses: OPEN_STATUSES });
  const now = ctx.clock.now();
  const live = open.find((x) => x.owner && x.owner !== ctx.owner && ownerAlive(x.owner, x.heartbeatAt, now));
  if (live) throw new SyncError(`sync ${name} is already running (run ${live.runId}, process ${live.owner}); wait for it or cancel it`);
  const interrupted = open.find((x) => x.kind === 'run');
  if (interrupted && kind !== 'run') {
    throw new SyncError(
      `sync ${name} has an interrupted run (${interrupted.runId}); resume it with \`touchline sync run ${name}\` or cancel it with \`touchline sync cancel ${name}\` first`,
    );
  }
  const resumable = resumption === 'resume' && kind === 'run' ? (interrupted ?? null) : null;
  for (const x of open) {
    if (x === resumable) continue;
    const superseded = transition(asInterrupted(x), 'failed', { finishedAt: isoNow(ctx), error: 'superseded by a newer run' });
    await ctx.store.saveRun(superseded);
    await dropRunTables(ctx, superseded);
  }
  return resumable;
}

/** Takes an interrupted run back: same id, same staged rows, the diff taken again against the state. */
export async function resumeRun(ctx: EngineContext, r: ResolvedSync, open: RunRecord, onStart: (run: RunRecord) => void): Promise<RunRecord> {
  const run = transition(asInterrupted(open), 'running', { owner: ctx.owner, heartbeatAt: isoNow(ctx), resumes: open.resumes + 1, error: null });
  await ctx.store.saveRun(run);
  onStart(run);
  ctx.log.info('resuming interrupted sync run', { sync: r.syncName, run: run.runId });
  const t = tablesOf(run.runId);
  if (!(await ctx.store.tableExists(t.stage))) await planRun(ctx, r, t, 'against-state');
  // Rows acknowledged before the interruption are in the state, so no longer in this diff.
  const counts = await ctx.store.diff(t.diff, t.stage, r.syncName, diffPlan(r.sync.mode, 'against-state'));
  const resumed = { ...run, details: { ...run.details, remainingAtResume: counts } };
  await ctx.store.saveRun(resumed);
  return resumed;
}

export interface BeginOptions {
  readonly kind: RunKind;
  readonly trigger: RunTrigger;
  /** Decides a real run's send once planned (approvals); without one, a crossed guard fails the run. */
  readonly gate?: RunGate | undefined;
  readonly stateUse: 'against-state' | 'every-row';
  readonly onStart: (run: RunRecord) => void;
}

/** A new run's first record: `pending`, owned by this engine. */
function pendingRun(ctx: EngineContext, r: ResolvedSync, o: BeginOptions): RunRecord {
  const runId = newRunId(ctx.clock.now());
  const now = isoNow(ctx);
  return {
    runId, syncName: r.syncName, kind: o.kind, status: 'pending', trigger: o.trigger, mode: r.sync.mode,
    destination: r.name, startedAt: now, finishedAt: null, heartbeatAt: now, owner: ctx.owner,
    stageTable: runTable('stage', runId), plannedAdd: 0, plannedChange: 0, plannedRemove: 0,
    delivered: 0, rejected: 0, failed: 0, requests: 0, resumes: 0, error: null,
    details: { full: o.stateUse === 'every-row', type: r.account.type },
  };
}

/** A new run: stage, diff, guards. Returns it `running`, or finished (refused, failed, baseline). */
export async function beginRun(ctx: EngineContext, r: ResolvedSync, o: BeginOptions): Promise<RunRecord> {
  let run = pendingRun(ctx, r, o);
  await ctx.store.saveRun(run);
  o.onStart(run);
  const t = tablesOf(run.runId);
  let counts;
  let stagedRows;
  try {
    ({ counts, stage: { rows: stagedRows } } = await planRun(ctx, r, t, o.stateUse));
  } catch (error) {
    // What the user must fix in the sync (its source, key or mapping) fails the run with the
    // reason; anything else is a bug or an outage and goes up to the caller.
    if (!(error instanceof StageError || error instanceof MappingError || isWarehouseRefusal(error))) throw error;
    return endRun(ctx, run, 'failed', { error: error.message });
  }
  run = { ...run, plannedAdd: counts.add, plannedChange: counts.change, plannedRemove: counts.remove };
  if (o.kind === 'run') {
    const gated = await gateRun(ctx, r, run, { tables: t, stagedRows }, o.gate);
    if (gated.status !== 'pending') return gated;
    run = gated;
  }
  if (o.kind === 'baseline') {
    await ctx.store.baseline(t.diff, r.syncName, run.runId);
    return endRun(ctx, run, 'succeeded', {
      delivered: counts.add + counts.change,
      details: { ...run.details, note: 'rows recorded as delivered without sending (baseline)' },
    });
  }
  run = transition(run, 'running', { heartbeatAt: isoNow(ctx) });
  await ctx.store.saveRun(run);
  return run;
}

/** Whether any real run or baseline of the sync has succeeded (a baseline says the destination holds the rows). */
async function hasRealRun(ctx: EngineContext, syncName: string): Promise<boolean> {
  return (await ctx.store.runs(syncName, { statuses: ['succeeded'] })).some((x) => x.kind === 'run' || x.kind === 'baseline');
}

/**
 * The blast-radius guards and the gate: the planned run back (`pending`, noting an approval that
 * lets it send), or ended — failed by a guard when there is no gate, awaiting approval when the gate
 * says so.
 */
async function gateRun(
  ctx: EngineContext, r: ResolvedSync, run: RunRecord, plan: { tables: ReturnType<typeof tablesOf>; stagedRows: number }, gate: RunGate | undefined,
): Promise<RunRecord> {
  const counts = { add: run.plannedAdd, change: run.plannedChange, remove: run.plannedRemove };
  const guard = await guardRun(ctx, r, counts);
  if (!gate) return guard ? endRun(ctx, run, 'failed', { error: `blast-radius guard: ${guard}` }) : run;
  const v = await gate.check({ run, resolved: r, counts, ...plan, guard, firstRealRun: !(await hasRealRun(ctx, r.syncName)), store: ctx.store, clock: ctx.clock });
  if (!v.go) return endRun(ctx, run, 'awaiting_approval', { error: v.reason, details: { ...run.details, approval: v.approvalId } });
  return v.approvalId === undefined ? run : { ...run, details: { ...run.details, approval: v.approvalId } };
}

/** A source query the warehouse refused (bad SQL, not a read): the run fails with its message. */
function isWarehouseRefusal(error: unknown): error is Error {
  return error instanceof Error && (error.name === 'QueryRefusedError' || error.name === 'WarehouseError');
}
