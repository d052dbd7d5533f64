import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { RouteDoc } from '../http/route-doc.js';
import { ClientError } from '../http/client-error.js';
import { auditActorOf } from '../people/people.js';
import type { IdentifierHasher } from '../privacy/identifier-hash.js';
import type { Subject, SubjectKind } from '../privacy/person-identifiers.js';
import type { PrivacyRequests } from '../privacy/privacy-requests.js';
import type { SuppressionList } from '../privacy/suppression-list.js';
import { actorOf, noteAudit, type AdminRoute } from './admin-route.js';
import { DeleteBody, PRIVACY_DOCS } from './privacy-route-docs.js';

export interface PrivacyRouteDeps {
  readonly privacy: PrivacyRequests;
  readonly suppressions: SuppressionList;
  readonly hash: IdentifierHasher;
}

interface DeleteRequest {
  readonly subject: Subject;
  readonly dryRun: boolean;
  readonly waitMs: number;
}

/** The request body, as its schema read it; an `email` must look like one (the schema checks each field alone). */
function deleteBody(request: FastifyRequest): DeleteRequest {
  const b = DeleteBody.parse(request.body);
  if (b.kind === 'email' && !b.value.includes('@')) throw new ClientError(400, 'bad_request', 'value is not an email address (kind is email)');
  return { subject: { kind: b.kind as SubjectKind, value: b.value }, dryRun: b.dryRun === true, waitMs: b.waitMs ?? 0 };
}

/**
 * The audit record of a privacy request keeps the identifier's keyed hash, never the identifier:
 * noted before the policy decides, so a refused request is recorded the same way.
 */
function auditHashed(deps: PrivacyRouteDeps, request: FastifyRequest): void {
  const b = request.body as { kind?: unknown; value?: unknown; dryRun?: unknown } | undefined;
  const value = typeof b?.value === 'string' ? b.value : '';
  noteAudit(request, { params: { kind: typeof b?.kind === 'string' ? b.kind.slice(0, 20) : null, subjectHash: value ? deps.hash(value) : null, dryRun: b?.dryRun === true } });
}

const REMOVE_SUPPRESSION_DOC: RouteDoc = {
  summary: 'Lifts the suppression a privacy request added (its hashed identifiers may be collected again)',
  params: z.object({ id: z.string().min(1) }),
  response: z.object({ request: z.string(), removedHashes: z.number().int().positive() }),
  examples: [
    { name: 'lifted', request: { params: { id: 'prv_2b7f0c91' } }, response: { status: 200, body: { request: 'prv_2b7f0c91', removedHashes: 3 } } },
    {
      name: 'unknown',
      request: { params: { id: 'nope' } },
      response: { status: 404, body: { success: false, error: 'not_found', message: 'no suppression from privacy request nope (touchline privacy suppressions list)' } },
    },
  ],
};

/** `touchline privacy …`: delete (and its dry run), request status, the suppression list. */
export function privacyRoutes(deps: PrivacyRouteDeps): AdminRoute[] {
  return [
    {
      method: 'POST',
      url: '/admin/privacy/delete',
      action: 'privacy.delete',
      doc: PRIVACY_DOCS.delete,
      facts: (request) => (auditHashed(deps, request), {}),
      handler: async (request) => {
        const body = deleteBody(request);
        const by = auditActorOf(actorOf(request)).label ?? 'unknown';
        const result = await deps.privacy.deletePerson(body.subject, { dryRun: body.dryRun, waitMs: body.waitMs, by });
        if (result.id) noteAudit(request, { target: result.id, after: { status: result.status, removed: result.removed, pending: result.pending } });
        return result;
      },
    },
    {
      method: 'GET',
      url: '/admin/privacy/requests',
      action: 'privacy.read',
      doc: PRIVACY_DOCS.list,
      handler: async () => ({ requests: deps.privacy.list() }),
    },
    {
      method: 'GET',
      url: '/admin/privacy/requests/:id',
      action: 'privacy.read',
      doc: PRIVACY_DOCS.read,
      handler: async (request) => {
        const { id } = request.params as { id: string };
        const r = await deps.privacy.status(id);
        if (!r) throw new ClientError(404, 'not_found', `no privacy request ${id} (touchline privacy requests lists them)`);
        return r;
      },
    },
    {
      method: 'GET',
      url: '/admin/privacy/suppressions',
      action: 'privacy.read',
      doc: PRIVACY_DOCS.suppressions,
      handler: async () => ({ suppressions: deps.suppressions.list() }),
    },
    {
      method: 'DELETE',
      url: '/admin/privacy/suppressions/:id',
      action: 'privacy.suppressions.remove',
      doc: REMOVE_SUPPRESSION_DOC,
      handler: async (request) => {
        const { id } = request.params as { id: string };
        const removed = deps.suppressions.remove(id);
        if (removed === 0) throw new ClientError(404, 'not_found', `no suppression from privacy request ${id} (touchline privacy suppressions list)`);
        noteAudit(request, { target: id, after: { removedHashes: removed } });
        return { request: id, removedHashes: removed };
      },
    },
  ];
}
