import type { FastifyRequest } from 'fastify';
import type { AdminAction } from '../policy/actions.js';
import type { Actor } from '../policy/decide.js';

/**
 * The one place the admin listener reads a presented credential: `Authorization: Bearer <token>`
 * (a personal token `tl_pat_…`, or the admin token). The dashboard adds its session cookie here,
 * resolving to the token presented at sign-in; nothing else reads headers for credentials.
 */
export function presentedToken(request: FastifyRequest): string | null {
  const m = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '');
  return m ? m[1]! : null;
}

/**
 * Who a token is and what they may do, for the guard and the dashboard's `/auth/me`:
 * `authenticate` → the actor or null (unknown, revoked, expired, member disabled, admin token
 * disabled); `allowedActions` → every action the policy allows that actor now.
 */
export interface AdminAuth {
  authenticate(token: string, from?: { readonly ip: string | null }): Actor | null;
  allowedActions(actor: Actor): AdminAction[];
}

/** The AdminAuth of a server's people (what the guard uses; `Touchline.people` holds them). */
export function adminAuth(people: {
  authenticate(token: string, from?: { readonly ip: string | null }): { readonly actor: Actor | null };
  allowedActions(actor: Actor): AdminAction[];
}): AdminAuth {
  return {
    authenticate: (token, from) => people.authenticate(token, from).actor,
    allowedActions: (actor) => people.allowedActions(actor),
  };
}
