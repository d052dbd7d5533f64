import type { FastifyRequest } from 'fastify';
import { SyncError } from '../activation/engine/resolve-sync.js';
import { APPROVAL_STATUSES, summaryOf, type ApprovalStatus } from '../approvals/approval-record.js';
import { ApprovalError, type Approvals } from '../approvals/approvals.js';
import { ClientError } from '../http/client-error.js';
import { actorOf, noteAudit, type AdminRoute } from './admin-route.js';
import { APPROVAL_DOCS } from './approval-route-docs.js';

const STATUS_OF_KIND = { not_found: 404, conflict: 409, forbidden: 403, invalid: 400 } as const;

async function answering<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ApprovalError) {
      const extra = err.kind === 'forbidden' ? { action: 'approvals.decide', rule: 'approvals.same-person' } : {};
      throw new ClientError(STATUS_OF_KIND[err.kind], err.kind === 'forbidden' ? 'forbidden' : err.kind, err.message, extra);
    }
    if (err instanceof SyncError) throw new ClientError(400, 'sync_error', err.message);
    throw err;
  }
}

const id = (r: FastifyRequest): string => (r.params as { id?: string }).id ?? '';

function statusFilter(r: FastifyRequest): ApprovalStatus | undefined {
  const s = (r.query as { status?: string }).status;
  if (s === undefined || s === '') return undefined;
  if (!(APPROVAL_STATUSES as readonly string[]).includes(s)) throw new ClientError(400, 'invalid', `status: one of ${APPROVAL_STATUSES.join(', ')}`);
  return s as ApprovalStatus;
}

/**
 * The approvals admin routes (docs/governance.md). The GETs answer what a page renders — who
 * asked, the sync and destination, the rows and the diff summary, the triggers, the expiry; one
 * request adds its dry run (first rows and exact requests). Deciding is `approvals.decide`; that
 * the decider is not the requester is checked here on every call, whatever the role.
 */
export function approvalRoutes(approvals: Approvals): AdminRoute[] {
  return [
    {
      method: 'GET', url: '/admin/approvals', action: 'approvals.list', doc: APPROVAL_DOCS.list,
      handler: async (r) => {
        const q = r.query as { sync?: string; limit?: string };
        const limit = Math.min(500, Math.max(1, Number(q.limit ?? 50) || 50));
        return { approvals: approvals.list({ status: statusFilter(r), sync: q.sync, limit }) };
      },
    },
    {
      method: 'GET', url: '/admin/approvals/:id', action: 'approvals.read', doc: APPROVAL_DOCS.read,
      handler: async (r) => answering(() => {
        const a = approvals.get(id(r));
        return { approval: { ...summaryOf(a), digest: a.digest, report: a.report } };
      }),
    },
    {
      method: 'POST', url: '/admin/approvals/:id/approve', action: 'approvals.decide', doc: APPROVAL_DOCS.approve,
      handler: async (r, reply) => {
        noteAudit(r, { target: `approval ${id(r)}` });
        const { approval, runId } = await answering(() => approvals.approve(id(r), actorOf(r)));
        noteAudit(r, { target: `approval ${approval.id}`, after: { status: approval.status, run: runId } });
        reply.code(202);
        return { approval: summaryOf(approval), runId };
      },
    },
    {
      method: 'POST', url: '/admin/approvals/:id/reject', action: 'approvals.decide', doc: APPROVAL_DOCS.reject,
      handler: async (r) => {
        noteAudit(r, { target: `approval ${id(r)}` });
        const reason = (r.body as { reason?: unknown } | undefined)?.reason;
        const a = await answering(() => approvals.reject(id(r), actorOf(r), typeof reason === 'string' ? reason : ''));
        noteAudit(r, { after: { status: a.status, reason: a.reason } });
        return { approval: summaryOf(a) };
      },
    },
  ];
}
