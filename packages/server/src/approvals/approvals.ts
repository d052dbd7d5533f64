import type { Actor } from '../policy/decide.js';
import { approve, find, reject } from './approval-decisions.js';
import { gateFor } from './approval-gates.js';
import { summaryOf, type ApprovalRecord, type ApprovalStatus, type Party } from './approval-record.js';
import { expire } from './approval-requests.js';
import { approvalStore } from './approval-store.js';
import type { ApprovalsContext, ApprovalsDeps } from './approvals-context.js';
import type { Asked } from './triggers.js';

export { ApprovalError, type ApprovalsDeps } from './approvals-context.js';

/**
 * Two-person approval of risky sends. A real sync run asked through the admin API carries a gate
 * (`gateFor`): once planned, a run that crosses a trigger stops `awaiting_approval` with its diff,
 * the diff's digest and the dry run's exact requests stored here, in the control store. Another
 * member approves (`approve`), which starts the run again with a gate that sends only when the new
 * plan has the approved digest; otherwise the run stops again as a new request. Every request,
 * decision, use and expiry is in the audit log. The steps (approval-requests.ts, approval-gates.ts,
 * approval-decisions.ts) share one context: the deps and one store.
 */
export function createApprovals(d: ApprovalsDeps) {
  const ctx: ApprovalsContext = { d, store: approvalStore(d.db) };
  return {
    gateFor: (requester: Party, asked: Asked) => gateFor(ctx, requester, asked),
    expire: () => expire(ctx),
    list(o: { status?: ApprovalStatus | undefined; sync?: string | undefined; limit?: number } = {}) {
      expire(ctx);
      return ctx.store.list({ ...o, limit: o.limit ?? 50 }).map(summaryOf);
    },
    get(id: string): ApprovalRecord {
      expire(ctx);
      return find(ctx, id);
    },
    /** Approves and starts the run (approval-decisions.ts `approve`); a forwarding rule's runs nothing. */
    approve: (id: string, actor: Actor) => approve(ctx, id, actor),
    reject: (id: string, actor: Actor, reason: string) => reject(ctx, id, actor, reason),
  };
}
export type Approvals = ReturnType<typeof createApprovals>;
