import { SingleBar } from 'cli-progress';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type FetchLike, type Logger } from '@touchline/destinations';
import { systemClock } from '../../clock/clock.js';
import { startActivation } from '../../activation/activation.js';
import { startAlerts } from '../../alerts/start-alerts.js';
import type { DryRunReport } from '../../activation/engine/dry-run.js';
import type { RunProgress } from '../../activation/engine/run-delivery.js';
import type { SyncEngine, SyncSummary } from '../../activation/engine/sync-engine.js';
import type { RunRecord } from '../../activation/store/records.js';
import { ConfigError, type Config } from '../../config/config.js';
import { createDerivedModel } from '../../identity/derived-model.js';
import { openWarehouse } from '../../warehouse/open-warehouse.js';
import { findRunningServer, type AdminClient } from '../server-handle.js';
import { formatDryRun, formatHistory, formatRunSummary, formatSyncList } from './sync-output.js';
import { offlineUse } from '../offline.js';

export interface SyncCommandOptions {
  readonly json: boolean;
  readonly progress: boolean;
  readonly force: boolean;
  readonly full: boolean;
  readonly test: boolean;
  readonly testCode: string | undefined;
  readonly baseline: boolean;
  readonly limit: number | undefined;
}

export const SYNC_USAGE = `usage:
  touchline sync list                                   syncs, their last run, forwarding rules
  touchline sync run <name> [--force] [--full] [--test [--test-code CODE]] [--baseline]
                                                        --force asks a second member to approve the run
  touchline sync dry-run <name> [--limit 20]            the diff and the exact requests, nothing sent
  touchline sync history <name> [--limit 20]            runs, newest first
  touchline sync cancel <name>                          cancel an open run (it will not resume)`;

/** Alert deliveries that fail in a one-off run are told on stderr (stdout carries the run's summary). */
const stderrLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (m, f) => void process.stderr.write(`${m} ${JSON.stringify(f ?? {})}\n`),
  error: (m, f) => void process.stderr.write(`${m} ${JSON.stringify(f ?? {})}\n`),
};

const FINISHED = new Set(['succeeded', 'partially_failed', 'failed', 'cancelled', 'paused', 'awaiting_approval']);

/**
 * Runs `fn` with a sync engine on this data dir's warehouse (no server holds it). `readsSources`:
 * the command queries sync sources (run, dry-run), whose built-in models resolve persons through
 * the identity views; listing, history and cancel read Touchline's own tables only.
 */
async function withLocalEngine<T>(config: Config, fn: (engine: SyncEngine) => Promise<T>, readsSources = false): Promise<T> {
  const dataDir = resolve(config.dataDir);
  await mkdir(dataDir, { recursive: true });
  await offlineUse(config, 'sync', { readsSources });
  const warehouse = await openWarehouse(config.warehouse, dataDir);
  try {
    await warehouse.migrate();
    // The built-in models resolve persons through the identity views: create them, refresh the aliases.
    if (readsSources) await createDerivedModel(warehouse, config).ensure();
    const activation = await startActivation({ config, warehouse, dataDir, schedule: false, forward: false });
    // A run in this process alerts as one in the server would; closing waits for the deliveries.
    const alerts = startAlerts({ config: config.alerts, source: activation, fetch: globalThis.fetch as unknown as FetchLike, clock: systemClock, logger: stderrLogger });
    try {
      return await fn(activation.syncs);
    } finally {
      await activation.close();
      await alerts.close();
    }
  } finally {
    await warehouse.close();
  }
}

function progressBar(enabled: boolean) {
  if (!enabled) return null;
  const bar = new SingleBar({
    format: 'sync {sync} [{bar}] {percentage}% | {value}/{total} rows | {delivered} delivered, {rejected} refused, {failed} failed | {status}',
    hideCursor: true,
  });
  let started = false;
  return {
    update(sync: string, p: Pick<RunProgress, 'planned' | 'done' | 'delivered' | 'rejected' | 'failed' | 'status'>) {
      const payload = { sync, delivered: p.delivered, rejected: p.rejected, failed: p.failed, status: p.status };
      if (!started) {
        bar.start(Math.max(1, p.planned), p.done, payload);
        started = true;
      }
      bar.setTotal(Math.max(1, p.planned));
      bar.update(p.done, payload);
    },
    stop: () => started && bar.stop(),
  };
}

async function runLocal(config: Config, name: string, o: SyncCommandOptions): Promise<RunRecord> {
  if (o.force) {
    throw new ConfigError(`--force no longer overrides a blast-radius guard: start the server (touchline start) and run the sync through it; the run then waits for a second member's approval (docs/governance.md)`);
  }
  return withLocalEngine(config, async (engine) => {
    const bar = progressBar(o.progress);
    // Ctrl-C pauses: the run keeps its staged rows and resumes on the next `sync run`.
    const onSignal = () => engine.stop(name, 'paused', 'interrupted (Ctrl-C)');
    process.once('SIGINT', onSignal);
    try {
      return await engine.run(name, {
        trigger: 'cli',
        full: o.full,
        baseline: o.baseline,
        test: o.test ? (o.testCode ?? true) : false,
        onProgress: (p) => bar?.update(name, p),
      });
    } finally {
      process.off('SIGINT', onSignal);
      bar?.stop();
    }
  }, true);
}

async function runRemote(server: AdminClient, name: string, o: SyncCommandOptions): Promise<RunRecord> {
  const path = `/admin/syncs/${encodeURIComponent(name)}`;
  const { runId } = await server.call<{ runId: string }>('POST', `${path}/runs`, {
    force: o.force, full: o.full, baseline: o.baseline, test: o.test ? (o.testCode ?? true) : false,
  });
  const bar = progressBar(o.progress);
  try {
    for (;;) {
      const { run, progress } = await server.call<{ run: RunRecord; progress: RunProgress | null }>('GET', `${path}/runs/${runId}`);
      bar?.update(name, progress ?? {
        planned: run.plannedAdd + run.plannedChange + run.plannedRemove,
        done: run.delivered + run.rejected + run.failed,
        delivered: run.delivered, rejected: run.rejected, failed: run.failed, status: run.status,
      });
      if (FINISHED.has(run.status)) return run;
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    bar?.stop();
  }
}

/**
 * `touchline sync …`: through the running server's admin API when there is one (it holds the
 * warehouse and the rate limits), else in this process on the data dir's warehouse. Returns the
 * exit code: 1 when a run did not succeed.
 */
export async function syncCommand(config: Config, args: readonly string[], o: SyncCommandOptions, out: (s: string) => void): Promise<number> {
  const [sub, name] = args;
  const needName = () => {
    if (!name) throw new ConfigError(`touchline sync ${sub} needs a sync name\n${SYNC_USAGE}`);
    return name;
  };
  const server = await findRunningServer(config);
  const path = (n: string) => `/admin/syncs/${encodeURIComponent(n)}`;
  switch (sub) {
    case 'list': {
      const r = server
        ? await server.call<{ syncs: SyncSummary[]; forwarding: unknown }>('GET', '/admin/syncs')
        : await withLocalEngine(config, async (e) => ({ syncs: await e.list(), forwarding: undefined }));
      out(o.json ? JSON.stringify(r, null, 2) : r.syncs.length ? formatSyncList(r.syncs, r.forwarding) : 'no syncs configured (see docs/activation.md)');
      return 0;
    }
    case 'run': {
      const n = needName();
      const run = server ? await runRemote(server, n, o) : await runLocal(config, n, o);
      if (o.json) out(JSON.stringify(run, null, 2));
      else formatRunSummary(run).forEach((l) => out(l));
      return run.status === 'succeeded' ? 0 : run.status === 'paused' || run.status === 'awaiting_approval' ? 2 : 1;
    }
    case 'dry-run': {
      const n = needName();
      const body = { limit: o.limit ?? 20, full: o.full };
      const report = server
        ? await server.call<DryRunReport>('POST', `${path(n)}/dry-run`, body)
        : await withLocalEngine(config, (e) => e.dryRun(n, body), true);
      out(o.json ? JSON.stringify(report, null, 2) : formatDryRun(report));
      return 0;
    }
    case 'history': {
      const n = needName();
      const runs = server
        ? (await server.call<{ runs: RunRecord[] }>('GET', `${path(n)}/runs?limit=${o.limit ?? 20}`)).runs
        : await withLocalEngine(config, (e) => e.history(n, o.limit ?? 20));
      out(o.json ? JSON.stringify(runs, null, 2) : runs.length ? formatHistory(runs) : `sync ${n} has not run yet`);
      return 0;
    }
    case 'cancel': {
      const n = needName();
      const cancelled = server
        ? (await server.call<{ cancelled: RunRecord | null }>('POST', `${path(n)}/cancel`)).cancelled
        : await withLocalEngine(config, (e) => e.cancel(n));
      out(cancelled ? `cancelled run ${cancelled.runId} of sync ${n}` : server ? `asked the server to cancel sync ${n}'s run` : `sync ${n} has no open run`);
      return 0;
    }
    default:
      throw new ConfigError(SYNC_USAGE);
  }
}
