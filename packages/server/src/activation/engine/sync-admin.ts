import { randomBytes } from 'node:crypto';
import type { RunRecord, SyncMode } from '../store/records.js';
import { runTable } from '../store/store-engine.js';
import { dryRunSync, type DryRunReport } from './dry-run.js';
import { isoNow, type EngineContext } from './engine-context.js';
import { ownerAlive } from './owner.js';
import { resolveSync, SyncError } from './resolve-sync.js';
import { dropRunTables, dropTables } from './run-lifecycle.js';
import { guardRun, planRun } from './run-plan.js';
import { asInterrupted, OPEN_STATUSES, transition } from './run-state.js';
import { describeSchedule } from './schedule-plan.js';

export interface SyncSummary {
  readonly name: string;
  readonly destination: string;
  readonly type: string;
  readonly mode: SyncMode;
  readonly schedule: string;
  readonly lastRun: RunRecord | null;
  readonly rows: number;
}

/** Every configured sync with its last run and the rows it remembers. */
export async function listSyncs(ctx: EngineContext): Promise<SyncSummary[]> {
  const out: SyncSummary[] = [];
  for (const [name, sync] of Object.entries(ctx.config.syncs)) {
    const [lastRun] = await ctx.store.runs(name, { limit: 1 });
    out.push({
      name,
      destination: sync.destination,
      type: ctx.config.destinations[sync.destination]?.type ?? '?',
      mode: sync.mode,
      schedule: describeSchedule(sync.schedule),
      lastRun: lastRun ?? null,
      rows: await ctx.store.deliveredCount(name),
    });
  }
  return out;
}

/** The diff and the exact requests, without sending anything or changing the state. */
export async function dryRun(ctx: EngineContext, name: string, options: { limit?: number; full?: boolean } = {}): Promise<DryRunReport> {
  const r = resolveSync(ctx.config, name);
  const id = `dry_${randomBytes(4).toString('hex')}`;
  const t = { stage: runTable('stage', id), diff: runTable('diff', id) };
  try {
    const { counts, stage: info } = await planRun(ctx, r, t, options.full === true ? 'every-row' : 'against-state');
    return await dryRunSync({
      store: ctx.store, resolved: r, counts, stagedRows: info.rows, stageTable: t.stage, diffTable: t.diff, clock: ctx.clock,
      limit: options.limit ?? 20, guard: await guardRun(ctx, r, counts),
    });
  } finally {
    const failures = await dropTables(ctx.store, [t.diff, t.stage]);
    // The report stands; temporary tables left behind are only in the way: said in the log.
    if (failures.length > 0) ctx.log.warn('sync dry run: temporary tables not dropped', { sync: name, failures });
  }
}

/** Cancels a sync's open run left in the warehouse (by this engine or a dead process). */
export async function cancelOpenRun(ctx: EngineContext, name: string): Promise<RunRecord | null> {
  const [open] = await ctx.store.runs(name, { statuses: OPEN_STATUSES });
  if (!open) return null;
  if (open.owner && open.owner !== ctx.owner && ownerAlive(open.owner, open.heartbeatAt, ctx.clock.now())) {
    throw new SyncError(`run ${open.runId} is running in process ${open.owner}; cancel it there`);
  }
  const cancelled = transition(asInterrupted(open), 'cancelled', { finishedAt: isoNow(ctx), error: 'cancelled by a user' });
  await ctx.store.saveRun(cancelled);
  return dropRunTables(ctx, cancelled);
}

/** Syncs with a run left open by a process that is gone: resume them (server start). */
export async function interruptedSyncs(ctx: EngineContext): Promise<string[]> {
  const out: string[] = [];
  for (const name of Object.keys(ctx.config.syncs)) {
    const open = await ctx.store.runs(name, { statuses: OPEN_STATUSES });
    if (open.some((x) => x.kind === 'run' && !ownerAlive(x.owner, x.heartbeatAt, ctx.clock.now()))) out.push(name);
  }
  return out;
}
