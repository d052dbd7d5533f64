import type { Actor } from '../policy/decide.js';
import type { ApprovalRecord, ApprovalStatus } from './approval-record.js';
import { startRun } from './approval-gates.js';
import { expire } from './approval-requests.js';
import { ApprovalError, auditActor, HOUR_MS, raced, type ApprovalsContext } from './approvals-context.js';
import { partyOf, samePerson } from './same-person.js';

export function find({ store }: ApprovalsContext, id: string): ApprovalRecord {
  const a = store.get(id);
  if (!a) throw new ApprovalError('not_found', `no approval "${id.slice(0, 40)}" (touchline approvals list)`);
  return a;
}

/** Checks the decider is someone else, and that the request is still open. */
function decidable(ctx: ApprovalsContext, id: string, actor: Actor, open: readonly ApprovalStatus[]): ApprovalRecord {
  expire(ctx);
  const a = find(ctx, id);
  const same = samePerson(a.requester, actor);
  if (same) throw new ApprovalError('forbidden', same);
  if (!open.includes(a.status)) {
    const when = a.status === 'expired' ? ` (it expired at ${a.expiresAt}; run the sync again to make a new request)` : a.supersededBy ? ` (see ${a.supersededBy})` : '';
    throw new ApprovalError('conflict', `approval ${a.id} is ${a.status}${when}`);
  }
  return a;
}

/** A forwarding rule's config approved: in force from now on, until the rule changes. */
function approveRule({ d, store }: ApprovalsContext, a: ApprovalRecord, actor: Actor): ApprovalRecord {
  const at = d.clock.now().toISOString();
  if (!store.move(a.id, ['pending', 'approved'], 'used', { decider: partyOf(actor), decidedAt: at })) throw raced(a.id);
  d.audit.append({ actor: auditActor(partyOf(actor)), action: 'approvals.used', target: `approval ${a.id}`, outcome: 'allowed', params: { forwardingRule: a.syncName, digest: a.digest } });
  d.onForwardingRuleApproved?.(a.syncName.replace(/^forward:/, ''));
  return store.get(a.id)!;
}

/**
 * Approves (or, already approved by someone else and unused, starts again) and starts the run.
 * The approval then holds for `approvals.expiryHours` for the run to start and find the same diff.
 * A forwarding rule's approval is in force at once (`used`) and starts no run: runId is null.
 */
export async function approve(ctx: ApprovalsContext, id: string, actor: Actor): Promise<{ approval: ApprovalRecord; runId: string | null }> {
  const { d, store } = ctx;
  const a = decidable(ctx, id, actor, ['pending', 'approved']);
  if (a.kind === 'forwarding-rule') return { approval: approveRule(ctx, a, actor), runId: null };
  if (a.status === 'pending') {
    const at = d.clock.now();
    const expiresAt = new Date(at.getTime() + d.policy().approvals.expiryHours * HOUR_MS).toISOString();
    if (!store.move(id, ['pending'], 'approved', { decider: partyOf(actor), decidedAt: at.toISOString(), expiresAt })) throw raced(id);
  }
  const runId = await startRun(ctx, store.get(id)!);
  return { approval: store.get(id)!, runId };
}

/** Rejects an open request (or an unused approval), with the reason the requester reads. */
export function reject(ctx: ApprovalsContext, id: string, actor: Actor, reason: string): ApprovalRecord {
  if (reason.trim() === '') throw new ApprovalError('invalid', 'reason: say why the request is rejected (--reason)');
  decidable(ctx, id, actor, ['pending', 'approved']);
  const decided = { decider: partyOf(actor), decidedAt: ctx.d.clock.now().toISOString(), reason: reason.slice(0, 1000) };
  if (!ctx.store.move(id, ['pending', 'approved'], 'rejected', decided)) throw raced(id);
  return ctx.store.get(id)!;
}
