import { z } from 'zod';
import { APPROVAL_KINDS, APPROVAL_STATUSES } from '../approvals/approval-record.js';
import type { RouteDoc } from '../http/route-doc.js';

// The approvals routes' schemas and examples (approval-routes.ts), beside them for length only.

const Party = z.object({ type: z.enum(['member', 'bootstrap', 'system']), id: z.string().nullable(), tokenId: z.string().nullable(), label: z.string() });
const Summary = z.looseObject({
  id: z.string(), kind: z.enum(APPROVAL_KINDS), status: z.enum(APPROVAL_STATUSES), sync: z.string(), destination: z.string(), type: z.string(), requester: Party,
  rows: z.number().int(), counts: z.object({ add: z.number().int(), change: z.number().int(), remove: z.number().int() }),
  triggers: z.array(z.object({ rule: z.string(), reason: z.string() })), createdAt: z.string(), expiresAt: z.string(),
  decider: Party.nullable(), decidedAt: z.string().nullable(), reason: z.string().nullable(), runId: z.string().nullable(),
});
const Id = z.object({ id: z.string().min(1) });

const PENDING = {
  id: 'apr_7c1e2f90', kind: 'sync-run', status: 'pending', sync: 'trial_users', destination: 'hubspot', type: 'upsert',
  requester: { type: 'member', id: 'mem_3b8d', tokenId: null, label: 'Ana Ruiz' },
  rows: 1240, counts: { add: 1180, change: 60, remove: 0 }, triggers: [{ rule: 'rows-over', reason: '1240 rows is over the 1000 that need a second person' }],
  createdAt: '2026-12-07T15:02:11.000Z', expiresAt: '2026-12-08T15:02:11.000Z',
  decider: null, decidedAt: null, reason: null, runId: null, usedRunId: null, supersededBy: null,
} as const;
const LEAD = { type: 'member', id: 'mem_91af', tokenId: null, label: 'Sam Okafor' } as const;

export const APPROVAL_DOCS = {
  list: {
    summary: 'Approval requests, newest first, by status and sync',
    querystring: z.object({
      status: z.union([z.enum(APPROVAL_STATUSES), z.literal('')]).optional(),
      sync: z.string().optional(),
      limit: z.string().optional().describe('1 to 500; 50 when absent or not a number'),
    }),
    response: z.object({ approvals: z.array(Summary) }),
    examples: [{ name: 'pending', request: { query: { status: 'pending', limit: '20' } }, response: { status: 200, body: { approvals: [PENDING] } } }],
  },
  read: {
    summary: 'One approval request with its dry run (first rows and exact requests)',
    params: Id,
    response: z.object({ approval: Summary.extend({ digest: z.string(), report: z.record(z.string(), z.unknown()) }) }),
    examples: [
      {
        name: 'pending',
        request: { params: { id: 'apr_7c1e2f90' } },
        response: { status: 200, body: { approval: { ...PENDING, digest: 'sha256:5be1c0a9', report: { type: 'upsert', rows: 1240, sample: [] } } } },
      },
      { name: 'unknown', request: { params: { id: 'apr_0000' } }, response: { status: 404, body: { success: false, error: 'not_found', message: 'no approval "apr_0000" (touchline approvals list)' } } },
    ],
  },
  approve: {
    summary: 'Approves a request (by someone other than its requester) and starts the run',
    params: Id,
    // A forwarding rule's approval starts no run: runId is null.
    response: z.object({ approval: Summary, runId: z.string().nullable() }),
    examples: [
      {
        name: 'approved',
        request: { params: { id: 'apr_7c1e2f90' } },
        response: { status: 202, body: { approval: { ...PENDING, status: 'approved', decider: LEAD, decidedAt: '2026-12-07T15:20:00.000Z', runId: 'run_51d2' }, runId: 'run_51d2' } },
      },
    ],
  },
  reject: {
    summary: 'Rejects a request, with a reason the requester sees',
    params: Id,
    // Absent or without a reason is a rejection without one, as it always was.
    body: z.looseObject({ reason: z.string().optional() }).optional(),
    response: z.object({ approval: Summary }),
    examples: [
      {
        name: 'rejected',
        request: { params: { id: 'apr_7c1e2f90' }, body: { reason: 'wait for the list cleanup on Monday' } },
        response: {
          status: 200,
          body: { approval: { ...PENDING, status: 'rejected', decider: LEAD, decidedAt: '2026-12-07T15:20:00.000Z', reason: 'wait for the list cleanup on Monday' } },
        },
      },
    ],
  },
} satisfies Record<string, RouteDoc>;
