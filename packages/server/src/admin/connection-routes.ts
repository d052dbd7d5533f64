import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Connections } from '../connections/connections.js';
import { ConnectionError } from '../connections/oauth-apps.js';
import { ClientError } from '../http/client-error.js';
import type { AuditLog } from '../audit/audit-log.js';
import { auditActorOf } from '../people/people.js';
import { actorOf, noteAudit, type AdminRoute } from './admin-route.js';
import { CallbackQuery, CONNECTION_DOCS, RefreshTokenBody } from './connection-route-docs.js';

/** The admin listener's OAuth callback: registered with each vendor's app as the redirect URI. */
export const OAUTH_CALLBACK_PATH = '/admin/oauth/callback';

const nameOf = (r: FastifyRequest) => (r.params as { name: string }).name;

async function answering<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ConnectionError) throw new ClientError(400, 'connection_error', err.message);
    throw err;
  }
}

/**
 * Destination connections on the admin API (`touchline destinations …`): list their state, start
 * a connect flow (answers the vendor's authorization URL), store a pasted refresh token, forget a
 * grant. The audit records name the destination, never a token (the body is not recorded).
 */
export function connectionRoutes(connections: Connections): AdminRoute[] {
  const by = (r: FastifyRequest) => auditActorOf(actorOf(r)).label;
  return [
    { method: 'GET', url: '/admin/destinations', action: 'destinations.list', doc: CONNECTION_DOCS.list, handler: async () => ({ destinations: connections.list() }) },
    {
      method: 'POST',
      url: '/admin/destinations/:name/connect',
      action: 'destinations.connect',
      doc: CONNECTION_DOCS.connect,
      handler: (r) =>
        answering(() => {
          noteAudit(r, { target: nameOf(r), params: { destination: nameOf(r), via: 'authorization-url' } });
          return connections.flow.begin(nameOf(r), by(r));
        }),
    },
    {
      method: 'POST',
      url: '/admin/destinations/:name/refresh-token',
      action: 'destinations.connect',
      doc: CONNECTION_DOCS.refreshToken,
      handler: (r) =>
        answering(async () => {
          noteAudit(r, { target: nameOf(r), params: { destination: nameOf(r), via: 'refresh-token' } });
          const token = RefreshTokenBody.parse(r.body).refreshToken;
          if (token.trim() === '') throw new ClientError(400, 'invalid_request', 'refreshToken: the refresh token, not an empty string');
          return connections.flow.pasteRefreshToken(nameOf(r), token.trim(), by(r));
        }),
    },
    {
      method: 'DELETE',
      url: '/admin/destinations/:name/grant',
      action: 'destinations.disconnect',
      doc: CONNECTION_DOCS.disconnect,
      handler: async (r) => {
        noteAudit(r, { target: nameOf(r), params: { destination: nameOf(r) } });
        if (!connections.disconnect(nameOf(r))) throw new ClientError(404, 'not_found', `no grant is stored for destination ${nameOf(r)}`);
        return { disconnected: nameOf(r) };
      },
    },
  ];
}

/**
 * `GET /admin/oauth/callback`: where the vendor sends the browser with `code` and `state`. The
 * browser carries no admin token, so the state is the credential: it was issued by an admin's
 * `destinations.connect` (256 random bits), is accepted once and for 10 minutes, and the record
 * in the audit log names who started the flow. The answer is plain text and repeats nothing
 * from the request.
 */
export function registerOAuthCallback(app: FastifyInstance, connections: Connections, audit: AuditLog): void {
  app.get(OAUTH_CALLBACK_PATH, { config: { doc: CONNECTION_DOCS.callback } }, async (request, reply) => {
    const { state = '', code = '' } = CallbackQuery.parse(request.query);
    reply.type('text/plain; charset=utf-8');
    const record = (outcome: 'allowed' | 'failed', target: string | null, reason: string | null, startedBy: string | null) =>
      audit.append({
        actor: { type: 'system', id: null, label: 'oauth callback', tokenId: null },
        action: 'destinations.connect',
        target, params: { via: 'callback', startedBy }, outcome, reason, status: outcome === 'allowed' ? 200 : 400,
        ip: request.ip, userAgent: request.headers['user-agent']?.slice(0, 300) ?? null,
      });
    if (state === '' || code === '') {
      // A refusal at the vendor (error=access_denied) spends the state too: the flow is over.
      if (state !== '') connections.store.takePending(state);
      record('failed', null, 'the callback carried no code (consent refused or cancelled)', null);
      return reply.code(400).send('No authorization code arrived (the consent was refused or cancelled). Run `touchline destinations connect <name>` again.\n');
    }
    try {
      const done = await connections.flow.complete(state, code);
      record('allowed', done.destination, null, done.by);
      const note = done.refreshable ? '' : ' The vendor gave no refresh token: connect again when the access token ends.';
      return reply.send(`Destination ${done.destination} is connected to ${done.provider}.${note} You can close this tab.\n`);
    } catch (err) {
      if (!(err instanceof ConnectionError)) throw err;
      record('failed', null, err.message, null);
      return reply.code(400).send(`${err.message}\n`);
    }
  });
}
