import { systemClock } from '../../clock/clock.js';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Config } from '../../config/config.js';
import { loadPlan } from '../../plans/load-plan.js';
import { readViolations, type ViolationReport } from '../../plans/plan-check.js';
import { diffPlans, type PlanDiff } from '../../plans/plan-diff.js';
import { modesOf } from '../../plans/plan-gate.js';
import { inferPlan, planYaml } from '../../plans/plan-infer.js';
import { receivedRange } from '../../plans/plan-range.js';
import { generatePlanTypes } from '../../plans/plan-typegen.js';
import type { ReplayResult } from '../../plans/replay.js';
import type { PlanDocument } from '../../plans/plan-document.js';
import { openWarehouse } from '../../warehouse/open-warehouse.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { ConfigError } from '../../config/config.js';
import { findRunningServer, type AdminClient } from '../server-handle.js';
import { offlineUse } from '../offline.js';

export interface PlanFlags {
  readonly since?: string | undefined;
  readonly until?: string | undefined;
  readonly source?: string | undefined;
  readonly reason?: string | undefined;
  readonly out?: string | undefined;
  readonly json: boolean;
  readonly dryRun: boolean;
}

const USAGE = 'usage: touchline plan check | infer | diff <new-plan> | types [<plan>] | reload  (docs/tracking-plans.md)';

/** The query string of the range flags (the server reads the same names). */
function rangeQuery(f: PlanFlags): string {
  const q = new URLSearchParams();
  for (const k of ['since', 'until', 'source'] as const) if (f[k] !== undefined) q.set(k, f[k]);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Runs `work` on the server when one runs, else on the warehouse opened read-only (offline, audited). */
async function withWarehouse<T>(config: Config, action: string, f: PlanFlags, online: (s: AdminClient) => Promise<T>, offline: (w: Warehouse) => Promise<T>): Promise<T> {
  const server = await findRunningServer(config);
  if (server) return online(server);
  await offlineUse(config, action, { since: f.since, until: f.until, source: f.source });
  const w = await openWarehouse(config.warehouse, resolve(config.dataDir), { readOnly: true });
  try {
    return await offline(w);
  } finally {
    await w.close();
  }
}

function range(f: PlanFlags) {
  try {
    return receivedRange(f.since, f.until, systemClock.now());
  } catch (err) {
    throw new ConfigError(`--${(err as Error).message}`);
  }
}

function printCheck(r: ViolationReport, out: (s: string) => void): void {
  out(`${r.stored} stored and ${r.quarantined} quarantined events with violations${r.truncated ? ' (the newest 200,000 read)' : ''}`);
  for (const g of r.groups) {
    out(`${String(g.count).padStart(8)}  ${g.event}  ${g.kind} ${g.path}  [${g.action}]  ${g.message}`);
    out(`          e.g. ${g.examples.join(', ')}  (plan ${g.planVersions.join(', ')})`);
  }
}

function printDiff(d: PlanDiff, out: (s: string) => void): void {
  out(`plan ${d.currentVersion ?? '(none)'} → ${d.nextVersion} over ${d.calls} stored calls`);
  out(`  would block ${d.nextBlocked} (now ${d.currentBlocked}), flag ${d.nextFlagged} (now ${d.currentFlagged}); newly blocked: ${d.newlyBlocked}${d.newlyBlockedExamples.length ? ` e.g. ${d.newlyBlockedExamples.join(', ')}` : ''}`);
  for (const l of d.lines) out(`${String(l.current).padStart(8)} → ${String(l.next).padEnd(8)} ${l.event}  ${l.kind} ${l.path}${l.nextBlocked ? `  (${l.nextBlocked} blocked)` : ''}`);
}

async function emit(text: string, f: PlanFlags, out: (s: string) => void): Promise<void> {
  if (f.out === undefined) out(text);
  else {
    await writeFile(f.out, text);
    out(`wrote ${f.out}`);
  }
}

/** `touchline plan check | infer | diff | types | reload`. */
export async function planCommand(config: Config, args: string[], f: PlanFlags, out: (s: string) => void): Promise<void> {
  const [verb, file] = args;
  switch (verb) {
    case 'check': {
      const r = await withWarehouse(config, 'plans.check', f, (s) => s.call<ViolationReport>('GET', `/admin/plans/violations${rangeQuery(f)}`), async (w) => {
        if (f.source !== undefined) throw new ConfigError('--source needs the running server (it knows the source names)');
        return readViolations(w, range(f));
      });
      if (f.json) out(JSON.stringify(r, null, 2));
      else printCheck(r, out);
      return;
    }
    case 'infer': {
      const doc = await withWarehouse(config, 'plans.infer', f, async (s) => (await s.call<{ document: PlanDocument }>('GET', `/admin/plans/infer${rangeQuery(f)}`)).document, (w) => inferPlan(w, range(f)));
      await emit(f.json ? JSON.stringify(doc, null, 2) + '\n' : planYaml(doc), f, out);
      return;
    }
    case 'diff': {
      if (!file) throw new ConfigError('usage: touchline plan diff <new-plan.yaml|folder> [--since 7d]');
      const next = await loadPlan(file);
      const d = await withWarehouse(config, 'plans.diff', f, (s) => s.call<PlanDiff>('POST', '/admin/plans/diff', { plan: next.document, since: f.since, until: f.until }), async (w) => {
        const current = config.plans.path === undefined ? undefined : await loadPlan(config.plans.path);
        return diffPlans(w, range(f), current, next, () => modesOf(config.plans, undefined));
      });
      if (f.json) out(JSON.stringify(d, null, 2));
      else printDiff(d, out);
      return;
    }
    case 'types': {
      const path = file ?? config.plans.path;
      if (path === undefined) throw new ConfigError('usage: touchline plan types [<plan.yaml|folder>] [--out tracking-plan.ts] (or set plans.path)');
      await emit(generatePlanTypes((await loadPlan(path)).document), f, out);
      return;
    }
    case 'reload': {
      const server = await findRunningServer(config);
      if (!server) throw new ConfigError('no Touchline server runs on this data dir: the plan is read when it starts');
      const r = await server.call<{ version: string; previousVersion: string | null }>('POST', '/admin/plans/reload');
      out(`tracking plan ${r.version} in force (was ${r.previousVersion ?? 'none'})`);
      return;
    }
    default:
      throw new ConfigError(USAGE);
  }
}

/** `touchline replay --reason … --since …`: through the running server (its collector re-ingests). */
export async function replayCommand(config: Config, f: PlanFlags, out: (s: string) => void): Promise<void> {
  const server = await findRunningServer(config);
  if (!server) throw new ConfigError('touchline replay re-ingests through the collector: start the server (touchline start) first');
  const r = await server.call<ReplayResult>('POST', '/admin/plans/replay', { since: f.since, until: f.until, source: f.source, reason: f.reason, dryRun: f.dryRun });
  if (f.json) return out(JSON.stringify(r, null, 2));
  out(`${r.matched} quarantined events match; ${r.alreadyReplayed} were replayed before`);
  out(r.dryRun ? `dry run: ${r.matched - r.alreadyReplayed} would be re-ingested` : `re-ingested: ${r.stored} stored, ${r.quarantinedAgain} quarantined again, ${r.duplicates} already stored`);
}
