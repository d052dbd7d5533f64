import type { PlannedRun, RunGate } from '../activation/engine/run-gate.js';
import type { ApprovalRecord, Party, Trigger } from './approval-record.js';
import { expire, request } from './approval-requests.js';
import { auditActor, SYSTEM, type ApprovalsContext } from './approvals-context.js';
import { diffDigest } from './diff-digest.js';
import { runTriggers, type Asked } from './triggers.js';

/** Triggers of an earlier approval's fate, replaced by the new one's. */
const STALE = new Set(['approvals.not-valid', 'approvals.diff-changed']);

const waiting = (a: ApprovalRecord) => ({
  go: false as const,
  approvalId: a.id,
  reason: `awaiting approval ${a.id} (touchline approvals show ${a.id}): ${a.triggers.map((t) => t.reason).join('; ')}`,
});

/** The gate of a run a caller asked for: sends when nothing triggers, else stops as a request. */
export function gateFor(ctx: ApprovalsContext, requester: Party, asked: Asked): RunGate {
  return {
    async check(plan) {
      const triggers = runTriggers(plan, asked, ctx.d.policy());
      if (triggers.length === 0) return { go: true };
      return waiting(await request(ctx, plan, requester, triggers, { full: asked.full }));
    },
  };
}

/** Why an approved run's new plan may not send: the approval is no longer valid, or the data changed. */
function whyNot(a: ApprovalRecord, plan: PlannedRun): Trigger {
  if (a.status !== 'approved') return { rule: 'approvals.not-valid', reason: `approval ${a.id} is ${a.status}` };
  const was = `${a.counts.add}/${a.counts.change}/${a.counts.remove}`;
  const now = `${plan.counts.add}/${plan.counts.change}/${plan.counts.remove}`;
  return { rule: 'approvals.diff-changed', reason: `the data changed since approval ${a.id} (${was} approved; now ${now} new/changed/removed)` };
}

/** The approved plan differs: a new request with the old one's triggers and the reason; the approval is superseded. */
async function askAgain(ctx: ApprovalsContext, a: ApprovalRecord, plan: PlannedRun) {
  const why = whyNot(a, plan);
  const next = await request(ctx, plan, a.requester, [...a.triggers.filter((t) => !STALE.has(t.rule)), why], a.options);
  if (ctx.store.move(a.id, ['approved'], 'superseded', { supersededBy: next.id, reason: why.reason })) {
    ctx.d.audit.append({ actor: SYSTEM, action: 'approvals.superseded', target: `approval ${a.id}`, outcome: 'allowed', reason: why.reason, params: { by: next.id } });
  }
  return waiting(next);
}

/** The gate of an approved run: sends only the approved diff, while the approval holds. */
function approvedGate(ctx: ApprovalsContext, id: string): RunGate {
  const { d, store } = ctx;
  return {
    async check(plan) {
      expire(ctx);
      const a = store.get(id)!;
      const digest = await diffDigest(plan.store, plan.tables, plan.resolved.syncName);
      if (a.status === 'approved' && digest === a.digest && store.move(id, ['approved'], 'used', { usedRunId: plan.run.runId })) {
        d.audit.append({ actor: auditActor(a.decider!), action: 'approvals.used', target: `approval ${id}`, outcome: 'allowed', params: { sync: a.syncName, run: plan.run.runId, digest } });
        return { go: true, approvalId: id };
      }
      return askAgain(ctx, a, plan);
    },
  };
}

/** Starts the approved run; resolves with its id once it has one (it goes on in the server). */
export const startRun = (ctx: ApprovalsContext, a: ApprovalRecord): Promise<string> =>
  new Promise<string>((resolve, reject) => {
    ctx.d.run(a.syncName, { trigger: 'api', full: a.options.full, gate: approvedGate(ctx, a.id), onStart: (run) => resolve(run.runId) }).then(
      (run) => resolve(run.runId),
      (err: unknown) => {
        reject(err);
        ctx.d.log('an approved sync run failed', { approval: a.id, sync: a.syncName, error: err instanceof Error ? err.message : String(err) });
      },
    );
  });
