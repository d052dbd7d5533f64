import { dryRunSync } from '../activation/engine/dry-run.js';
import type { PlannedRun } from '../activation/engine/run-gate.js';
import type { ApprovalRecord, Party, RunAsk, Trigger } from './approval-record.js';
import { auditActor, HOUR_MS, SYSTEM, type ApprovalsContext } from './approvals-context.js';
import { diffDigest } from './diff-digest.js';

/** Rows of the diff (and their requests) kept with a request for the approver to read. */
const REPORT_ROWS = 50;

/** Requests and unused approvals past their time become `expired`, each on the record. */
export function expire({ d, store }: ApprovalsContext): ApprovalRecord[] {
  const at = d.clock.now().toISOString();
  const out: ApprovalRecord[] = [];
  for (const a of store.due(at)) {
    if (!store.move(a.id, [a.status], 'expired')) continue;
    d.audit.append({ actor: SYSTEM, action: 'approvals.expired', target: `approval ${a.id}`, outcome: 'allowed', reason: `${a.status === 'pending' ? 'not decided' : 'approved but not used'} by ${a.expiresAt}`, params: { sync: a.syncName, was: a.status } });
    out.push(store.get(a.id)!);
  }
  return out;
}

/** The open requests of the sync, superseded by the new request `id`. */
function supersedeOpen({ d, store }: ApprovalsContext, syncName: string, id: string): void {
  for (const old of store.list({ status: 'pending', sync: syncName, limit: 100 })) {
    if (store.move(old.id, ['pending'], 'superseded', { supersededBy: id, reason: `a newer request (${id}) replaces it` })) {
      d.audit.append({ actor: SYSTEM, action: 'approvals.superseded', target: `approval ${old.id}`, outcome: 'allowed', reason: `replaced by ${id}` });
    }
  }
}

/** A new request for the planned run: its dry run, digest and triggers; an older open one of the sync is superseded. */
export async function request(ctx: ApprovalsContext, plan: PlannedRun, requester: Party, triggers: readonly Trigger[], ask: RunAsk): Promise<ApprovalRecord> {
  const { d, store } = ctx;
  const r = plan.resolved;
  const digest = await diffDigest(plan.store, plan.tables, r.syncName);
  // The same diff asked again by the same requester (a second `sync run`, the next scheduled tick) waits on the open request.
  const open = store.list({ status: 'pending', sync: r.syncName, limit: 1 })[0];
  if (open && open.digest === digest && open.requester.type === requester.type && open.requester.id === requester.id) return open;
  const report = await dryRunSync({
    store: plan.store, resolved: r, counts: plan.counts, stagedRows: plan.stagedRows, stageTable: plan.tables.stage, diffTable: plan.tables.diff,
    clock: plan.clock, limit: REPORT_ROWS, guard: plan.guard,
  });
  const createdAt = d.clock.now();
  const id = d.clock.newId('apr');
  supersedeOpen(ctx, r.syncName, id);
  const a = store.insert({
    id, kind: 'sync-run', syncName: r.syncName, destination: r.name, runId: plan.run.runId, options: ask, triggers, counts: plan.counts, digest, report,
    requester, createdAt: createdAt.toISOString(), expiresAt: new Date(createdAt.getTime() + d.policy().approvals.expiryHours * HOUR_MS).toISOString(),
  });
  d.audit.append({
    actor: auditActor(requester), action: 'approvals.request', target: `approval ${id}`, outcome: 'allowed', rule: triggers.map((t) => t.rule).join(', '),
    reason: triggers.map((t) => t.reason).join('; '), params: { sync: r.syncName, destination: r.name, run: plan.run.runId, counts: plan.counts, digest },
  });
  return a;
}
