import { randomBytes } from 'node:crypto';
import { silentLogger, type Clock, type FetchLike, type Logger } from '@touchline/destinations';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { activationJunkIds, type ActivationConfig } from '../config/activation-config.js';
import { sourceSql } from '../model/source-sql.js';
import { runTable } from '../store/store-engine.js';
import type { RunKind, RunRecord, RunTrigger, SyncMode } from '../store/records.js';
import { createSyncStore, StageError, type SyncStore } from '../store/sync-store.js';
import { dryRunSync, type DryRunReport } from './dry-run.js';
import { mappedColumns, MappingError } from './field-mapping.js';
import { checkGuards } from './guards.js';
import type { Sleep } from './notifier.js';
import { newOwner, ownerAlive, releaseOwner } from './owner.js';
import type { RateGates } from './rate-gate.js';
import { deliverRun, type RunProgress } from './run-delivery.js';
import { resolveSync, SyncError, testModeConfig, type ResolvedSync } from './resolve-sync.js';
import { asInterrupted, OPEN_STATUSES, transition } from './run-state.js';

export interface SyncEngineDeps {
  readonly config: ActivationConfig;
  readonly warehouse: Warehouse;
  readonly fetch: FetchLike;
  readonly clock: Clock;
  /** Shared with forwarding, so every sender to one account shares its limit. */
  readonly gates: RateGates;
  readonly logger?: Logger;
  readonly sleep?: Sleep;
  readonly random?: () => number;
  /** Diff rows read per page. @defaultValue 2000 */
  readonly pageSize?: number;
}

export interface RunOptions {
  /** What started the run. @defaultValue api */
  readonly trigger?: RunTrigger;
  /** Run even though a blast-radius guard refuses. */
  readonly force?: boolean;
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

export interface SyncSummary {
  readonly name: string;
  readonly destination: string;
  readonly type: string;
  readonly mode: SyncMode;
  readonly schedule: string;
  readonly lastRun: RunRecord | null;
  readonly rows: number;
}

/** A run in progress in this process. */
interface Active {
  runId: string;
  stop(to: 'paused' | 'cancelled', reason: string): void;
}

const newRunId = (now: number) =>
  `run_${new Date(now).toISOString().replace(/\D/g, '').slice(0, 14)}_${randomBytes(3).toString('hex')}`;

/**
 * The sync engine: stages a sync's source with a hash per primary key, diffs it against what the
 * sync last delivered (in SQL, in the warehouse), and sends the diff through the shared delivery
 * loop, checkpointing after every acknowledged request. Runs follow the state machine in
 * `run-state.ts`; an interrupted run is resumed, never restarted.
 */
export function createSyncEngine(deps: SyncEngineDeps) {
  const store: SyncStore = createSyncStore(deps.warehouse, deps.clock);
  const log = deps.logger ?? silentLogger;
  const owner = newOwner();
  const active = new Map<string, Active>();
  const iso = () => new Date(deps.clock.now()).toISOString();

  /** Stages the source and diffs it; returns the counts. */
  async function plan(r: ResolvedSync, stageTable: string, diffTable: string, full: boolean) {
    const sql = sourceSql(r.sync.source, deps.warehouse, deps.clock.now(), activationJunkIds(deps.config));
    const columns = await store.describe(sql);
    const where = `syncs.${r.syncName}`;
    if (!columns.some((c) => c.name === r.sync.primaryKey)) {
      throw new MappingError(`${where}.primaryKey: the source has no column "${r.sync.primaryKey}" (it returns ${columns.map((c) => c.name).join(', ')})`);
    }
    const hashed = mappedColumns(columns, r.sync.mapping, where);
    const keep = r.sync.mapping ? [...new Set([r.sync.primaryKey, ...Object.values(r.sync.mapping)])] : '*';
    const stage = await store.stage(stageTable, sql, r.sync.primaryKey, hashed, keep);
    const counts = await store.diff(diffTable, stageTable, r.syncName, {
      changes: r.sync.mode !== 'insert',
      removals: r.sync.mode === 'mirror',
      ignoreState: full,
    });
    return { stage, counts };
  }

  async function guard(r: ResolvedSync, counts: { add: number; change: number; remove: number }): Promise<string | null> {
    const history = (await store.runs(r.syncName, { limit: 5, statuses: ['succeeded'] }))
      .filter((x) => x.kind === 'run')
      .map((x) => x.plannedAdd + x.plannedChange + x.plannedRemove);
    return checkGuards({ mode: r.sync.mode, counts, delivered: await store.deliveredCount(r.syncName), history, guards: r.sync.guards });
  }

  /**
   * Drops a finished run's stage and diff tables. A drop that fails loses nothing (the run is
   * saved; the tables are only in the way), so the run stands; the failure is logged and noted
   * in the run's `details.cleanup`, where `sync history --json` shows it.
   */
  async function dropRunTables(run: RunRecord): Promise<RunRecord> {
    const failures = await dropTables(store, [runTable('diff', run.runId), runTable('stage', run.runId)]);
    if (failures.length === 0) return run;
    log.warn('sync run: staging tables not dropped', { sync: run.syncName, run: run.runId, failures });
    const noted = { ...run, details: { ...run.details, cleanup: failures } };
    await store.saveRun(noted);
    return noted;
  }

  /** The open runs of a sync: the one to resume (if any); others are closed as superseded. */
  async function takeOver(name: string, kind: RunKind, fresh: boolean): Promise<RunRecord | null> {
    const open = await store.runs(name, { statuses: OPEN_STATUSES });
    const now = deps.clock.now();
    const live = open.find((x) => x.owner && x.owner !== owner && ownerAlive(x.owner, x.heartbeatAt, now));
    if (live) throw new SyncError(`sync ${name} is already running (run ${live.runId}, process ${live.owner}); wait for it or cancel it`);
    const interrupted = open.find((x) => x.kind === 'run');
    if (interrupted && kind !== 'run') {
      throw new SyncError(
        `sync ${name} has an interrupted run (${interrupted.runId}); resume it with \`touchline sync run ${name}\` or cancel it with \`touchline sync cancel ${name}\` first`,
      );
    }
    const resumable = !fresh && kind === 'run' ? (interrupted ?? null) : null;
    for (const x of open) {
      if (x === resumable) continue;
      await store.saveRun(transition(asInterrupted(x), 'failed', { finishedAt: iso(), error: 'superseded by a newer run' }));
      await dropRunTables(x);
    }
    return resumable;
  }

  /** Ends a run that will not send: saves it and drops its tables. */
  async function end(run: RunRecord, to: 'failed' | 'succeeded' | 'cancelled', patch: Partial<RunRecord> = {}): Promise<RunRecord> {
    const done = transition(run.status === 'pending' && to === 'succeeded' ? transition(run, 'running') : run, to, { finishedAt: iso(), ...patch });
    await store.saveRun(done);
    return dropRunTables(done);
  }

  const diffPlan = (r: ResolvedSync) => ({ changes: r.sync.mode !== 'insert', removals: r.sync.mode === 'mirror', ignoreState: false });

  /** Takes an interrupted run back: same id, same staged rows, the diff taken again against the state. */
  async function resume(r: ResolvedSync, open: RunRecord, onStart: ((run: RunRecord) => void) | undefined): Promise<RunRecord> {
    const run = transition(asInterrupted(open), 'running', { owner, heartbeatAt: iso(), resumes: open.resumes + 1 });
    await store.saveRun(run);
    onStart?.(run);
    log.info('resuming interrupted sync run', { sync: r.syncName, run: run.runId });
    const stage = runTable('stage', run.runId);
    if (!(await store.tableExists(stage))) await plan(r, stage, runTable('diff', run.runId), false);
    // Rows acknowledged before the interruption are in the state, so no longer in this diff.
    const counts = await store.diff(runTable('diff', run.runId), stage, r.syncName, diffPlan(r));
    const resumed = { ...run, details: { ...run.details, remainingAtResume: counts } };
    await store.saveRun(resumed);
    return resumed;
  }

  /** A new run: stage, diff, guards. Returns it `running`, or finished (refused, failed, baseline). */
  async function begin(r: ResolvedSync, kind: RunKind, options: RunOptions): Promise<RunRecord> {
    const runId = newRunId(deps.clock.now());
    let run: RunRecord = {
      runId, syncName: r.syncName, kind, status: 'pending', trigger: options.trigger ?? 'api', mode: r.sync.mode,
      destination: r.name, startedAt: iso(), finishedAt: null, heartbeatAt: iso(), owner,
      stageTable: runTable('stage', runId), plannedAdd: 0, plannedChange: 0, plannedRemove: 0,
      delivered: 0, rejected: 0, failed: 0, requests: 0, resumes: 0, error: null,
      details: { full: options.full === true, forced: options.force === true, type: r.account.type },
    };
    await store.saveRun(run);
    options.onStart?.(run);
    let counts;
    try {
      const planned = await plan(r, runTable('stage', runId), runTable('diff', runId), options.full === true);
      counts = planned.counts;
    } catch (error) {
      if (!(error instanceof StageError || error instanceof MappingError || isWarehouseRefusal(error))) throw error;
      return end(run, 'failed', { error: error.message });
    }
    run = { ...run, plannedAdd: counts.add, plannedChange: counts.change, plannedRemove: counts.remove };
    const refused = kind === 'run' && !options.force ? await guard(r, counts) : null;
    if (refused) return end(run, 'failed', { error: `blast-radius guard: ${refused}` });
    if (kind === 'baseline') {
      await store.baseline(runTable('diff', runId), r.syncName, runId);
      return end(run, 'succeeded', {
        delivered: counts.add + counts.change,
        details: { ...run.details, note: 'rows recorded as delivered without sending (baseline)' },
      });
    }
    run = transition(run, 'running', { heartbeatAt: iso() });
    await store.saveRun(run);
    return run;
  }

  async function run(name: string, options: RunOptions = {}): Promise<RunRecord> {
    const r = resolveSync(deps.config, name);
    if (active.has(name)) throw new SyncError(`sync ${name} is already running in this process (run ${active.get(name)!.runId})`);
    const kind: RunKind = options.baseline ? 'baseline' : options.test ? 'test' : 'run';
    const config = kind === 'test' ? testModeConfig(r, typeof options.test === 'string' ? options.test : undefined) : r.config;
    const listeners: ((to: 'paused' | 'cancelled', reason: string) => void)[] = [];
    const stop: { requested: { to: 'paused' | 'cancelled'; reason: string } | null } = { requested: null };
    const handle = {
      runId: '',
      stop(to: 'paused' | 'cancelled', reason: string) {
        stop.requested ??= { to, reason };
        listeners.forEach((l) => l(to, reason));
      },
    };
    active.set(name, handle);
    try {
      const open = await takeOver(name, kind, options.full === true || kind !== 'run');
      const onStart = (x: RunRecord) => {
        handle.runId = x.runId;
        options.onStart?.(x);
      };
      const run = open ? await resume(r, open, onStart) : await begin(r, kind, { ...options, onStart });
      if (run.status !== 'running') return run;
      const stopped = stop.requested;
      if (stopped) {
        if (stopped.to === 'cancelled') return end(run, 'cancelled', { error: stopped.reason });
        const paused = transition(run, 'paused', { owner: null });
        await store.saveRun(paused);
        return paused;
      }
      const final = await deliverRun({
        store,
        resolved: r,
        config,
        run,
        stageTable: runTable('stage', run.runId),
        diffTable: runTable('diff', run.runId),
        fetch: deps.fetch,
        clock: deps.clock,
        gate: deps.gates.for(r.gateKey, r.rate),
        logger: log,
        ...(deps.sleep ? { sleep: deps.sleep } : {}),
        ...(deps.random ? { random: deps.random } : {}),
        pageSize: deps.pageSize ?? 2000,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        stopSignal: { onStop: (l) => listeners.push(l) },
      });
      return final.status === 'paused' ? final : await dropRunTables(final);
    } finally {
      active.delete(name);
    }
  }

  return {
    store,
    owner,
    /** Every configured sync with its last run and the rows it remembers. */
    async list(): Promise<SyncSummary[]> {
      const out: SyncSummary[] = [];
      for (const [name, sync] of Object.entries(deps.config.syncs)) {
        const [lastRun] = await store.runs(name, { limit: 1 });
        const account = deps.config.destinations[sync.destination];
        out.push({
          name,
          destination: sync.destination,
          type: account?.type ?? '?',
          mode: sync.mode,
          schedule: sync.schedule === 'manual' ? 'manual' : `every ${sync.schedule.every}`,
          lastRun: lastRun ?? null,
          rows: await store.deliveredCount(name),
        });
      }
      return out;
    },
    run,
    /** The diff and the exact requests, without sending anything or changing the state. */
    async dryRun(name: string, options: { limit?: number; full?: boolean } = {}): Promise<DryRunReport> {
      const r = resolveSync(deps.config, name);
      const id = `dry_${randomBytes(4).toString('hex')}`;
      const stage = runTable('stage', id);
      const diff = runTable('diff', id);
      try {
        const { counts, stage: info } = await plan(r, stage, diff, options.full === true);
        return await dryRunSync({
          store, resolved: r, counts, stagedRows: info.rows, stageTable: stage, diffTable: diff, clock: deps.clock,
          limit: options.limit ?? 20, guard: await guard(r, counts),
        });
      } finally {
        const failures = await dropTables(store, [diff, stage]);
        // The report stands; temporary tables left behind are only in the way: said in the log.
        if (failures.length > 0) log.warn('sync dry run: temporary tables not dropped', { sync: name, failures });
      }
    },
    /** Stops a sync's run in this process: `paused` resumes on the next run, `cancelled` does not. */
    stop(name: string, to: 'paused' | 'cancelled', reason: string): boolean {
      const a = active.get(name);
      a?.stop(to, reason);
      return a !== undefined;
    },
    /** Cancels a sync's open run, in this process or left behind by a dead one. */
    async cancel(name: string): Promise<RunRecord | null> {
      if (active.has(name)) {
        active.get(name)!.stop('cancelled', 'cancelled by a user');
        return null;
      }
      const [open] = await store.runs(name, { statuses: OPEN_STATUSES });
      if (!open) return null;
      if (open.owner && open.owner !== owner && ownerAlive(open.owner, open.heartbeatAt, deps.clock.now())) {
        throw new SyncError(`run ${open.runId} is running in process ${open.owner}; cancel it there`);
      }
      const cancelled = transition(asInterrupted(open), 'cancelled', { finishedAt: iso(), error: 'cancelled by a user' });
      await store.saveRun(cancelled);
      return dropRunTables(cancelled);
    },
    history: (name: string, limit = 20) => {
      resolveSync(deps.config, name);
      return store.runs(name, { limit });
    },
    /** Syncs with a run left open by a process that is gone: resume them (server start). */
    async interrupted(): Promise<string[]> {
      const out: string[] = [];
      for (const name of Object.keys(deps.config.syncs)) {
        const open = await store.runs(name, { statuses: OPEN_STATUSES });
        if (open.some((x) => x.kind === 'run' && !ownerAlive(x.owner, x.heartbeatAt, deps.clock.now()))) out.push(name);
      }
      return out;
    },
    isRunning: (name: string) => active.has(name),
    /** Pauses every run in this process (shutdown): they resume on the next start. */
    async close(): Promise<void> {
      for (const a of active.values()) a.stop('paused', 'shutting down');
      const deadline = Date.now() + 30_000;
      while (active.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      releaseOwner(owner);
    },
  };
}
export type SyncEngine = ReturnType<typeof createSyncEngine>;

/** Drops each table, whatever the others do; returns `table: error` for those that failed. */
async function dropTables(store: SyncStore, tables: readonly string[]): Promise<string[]> {
  const failures: string[] = [];
  for (const t of tables) {
    await store.dropTable(t).catch((e: unknown) => failures.push(`${t}: ${e instanceof Error ? e.message : String(e)}`));
  }
  return failures;
}

/** A source query the warehouse refused (bad SQL, not a read): the run fails with its message. */
function isWarehouseRefusal(error: unknown): error is Error {
  return error instanceof Error && (error.name === 'QueryRefusedError' || error.name === 'WarehouseError');
}
