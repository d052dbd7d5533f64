import type { FastifyRequest } from 'fastify';
import { maskSecrets } from '../audit/audit-record.js';
import { ClientError } from '../http/client-error.js';
import type { Log } from '../logging/log.js';
import { auditActorOf, type People } from '../people/people.js';
import type { AdminGuard } from './admin-route.js';
import { requestState } from './admin-route.js';
import { presentedToken } from './credentials.js';

const AUTH_HINT = 'send a personal token (touchline tokens create) or the admin token as `Authorization: Bearer <token>`';

/** The parameters an audit record keeps of a request: route params, query, body — secrets masked. */
function requestParams(request: FastifyRequest): unknown {
  const parts: Record<string, unknown> = {};
  const p = request.params as Record<string, unknown> | undefined;
  const q = request.query as Record<string, unknown> | undefined;
  if (p && Object.keys(p).length) parts['params'] = p;
  if (q && Object.keys(q).length) parts['query'] = q;
  if (request.body !== undefined && request.body !== null) parts['body'] = request.body;
  return Object.keys(parts).length ? maskSecrets(parts) : null;
}

/**
 * The admin listener's guard: authenticates the presented token (401), asks the one policy
 * (403 naming the action and the rule), and writes every decision to the audit log — allowed,
 * denied or failed, reads included — before the answer leaves.
 */
export function policyGuard(people: People, log: Log): AdminGuard {
  return {
    authenticate(request) {
      const state = requestState(request);
      const token = presentedToken(request);
      if (token === null) {
        state.unauthenticated = 'no token';
        throw new ClientError(401, 'unauthorized', AUTH_HINT);
      }
      const r = people.authenticate(token, { ip: request.ip });
      if (r.actor === null) {
        state.unauthenticated = r.why;
        throw new ClientError(401, 'unauthorized', `${r.why}: ${AUTH_HINT}`);
      }
      state.actor = r.actor;
    },
    authorize(request, action, facts) {
      const state = requestState(request);
      const d = people.decide(state.actor!, action, facts);
      state.decision = d;
      if (!d.allowed) throw new ClientError(403, 'forbidden', `not allowed to "${action}" (rule ${d.rule}): ${d.reason}`, { action, rule: d.rule });
    },
    record(request, action, status) {
      const state = requestState(request);
      const d = state.decision;
      // A 403 from a handler applying the decision's obligations (a send's row cap) is a denial too.
      const outcome = d === null || !d.allowed || status === 403 ? 'denied' : status >= 400 ? 'failed' : 'allowed';
      try {
        people.audit.append({
          actor: auditActorOf(state.actor),
          action,
          target: state.note.target ?? null,
          params: state.note.params ?? requestParams(request),
          outcome,
          rule: d?.rule ?? (state.unauthenticated !== null ? 'authentication' : null),
          reason: d?.reason ?? state.unauthenticated,
          status,
          ip: request.ip,
          userAgent: request.headers['user-agent']?.slice(0, 300) ?? null,
          before: state.note.before,
          after: state.note.after,
        });
      } catch (err) {
        // The handler has run: failing the answer now would not undo it (and an error answer would
        // come back here). A control store that cannot write is an operator's alarm, said loudly.
        log.error('could not write an audit record: check the disk and control.sqlite', { action, status, error: (err as Error).message });
      }
    },
  };
}
