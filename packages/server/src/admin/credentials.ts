import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import { ClientError } from '../http/client-error.js';
import type { AdminAction } from '../policy/actions.js';
import type { Actor } from '../policy/decide.js';

/**
 * Who a token is and what they may do, for the guard, the dashboard's sign-in and `/auth/me`:
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

/** What the dashboard shows of an actor: a name to display and a role, never a token or its hash. */
export function describeActor(actor: Actor): { kind: Actor['kind']; name: string; email?: string; role: string; tokenId?: string } {
  if (actor.kind === 'bootstrap') return { kind: 'bootstrap', name: 'admin token', role: 'owner' };
  return { kind: 'member', name: actor.member.name, email: actor.member.email, role: actor.member.role, tokenId: actor.token.id };
}

function bearerOf(request: FastifyRequest): string | null {
  const m = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '');
  return m ? m[1]! : null;
}

/**
 * The one place the admin listener reads a presented credential: its `Authorization: Bearer`
 * token (a personal token `tl_pat_…`, or the admin token), else the token its session cookie maps
 * to (only when the session hook accepted it: live, and with the CSRF header on anything but
 * GET/HEAD). Nothing else reads headers or cookies for credentials.
 */
export function presentedToken(request: FastifyRequest): string | null {
  return bearerOf(request) ?? sessionTokens.get(request) ?? null;
}

/** The session cookie's name: `__Host-` needs Secure, which a plain-http loopback listener cannot set. */
export const SESSION_COOKIE = 'tl_session';
/** The header a cookie-signed request other than GET/HEAD must carry: another origin's form cannot send it. */
export const CSRF_HEADER = 'x-touchline-request';

/** The token each request presented through its session cookie, filled by {@link registerSessionRoutes}' hook. */
const sessionTokens = new WeakMap<FastifyRequest, string>();

export interface SessionOptions {
  /** How long a sign-in lasts. @defaultValue 12 hours */
  readonly ttlMs?: number;
  /** Sessions kept at most; the oldest is signed out past it. @defaultValue 10,000 */
  readonly maxSessions?: number;
  readonly now?: () => number;
  /** Session ids (32 random bytes by default). */
  readonly newId?: () => string;
}

interface Session {
  readonly token: string;
  readonly expiresAt: number;
}

/** Server-side sessions: the cookie holds a random id, never the token; a restart signs everyone out. */
export interface SessionStore {
  create(token: string): { id: string; expiresAt: number };
  /** The session's token while it lives. */
  tokenOf(id: string): string | undefined;
  delete(id: string): void;
  readonly size: number;
}

export function createSessionStore(o: SessionOptions = {}): SessionStore {
  const ttlMs = o.ttlMs ?? 12 * 3600_000;
  const max = o.maxSessions ?? 10_000;
  const now = o.now ?? Date.now;
  const newId = o.newId ?? (() => randomBytes(32).toString('base64url'));
  const sessions = new Map<string, Session>();
  return {
    create(token) {
      // A Map iterates in insertion order: the first key is the oldest session.
      while (sessions.size >= max) sessions.delete(sessions.keys().next().value!);
      const id = newId();
      const expiresAt = now() + ttlMs;
      sessions.set(id, { token, expiresAt });
      return { id, expiresAt };
    },
    tokenOf(id) {
      const s = sessions.get(id);
      if (!s) return undefined;
      if (s.expiresAt <= now()) {
        sessions.delete(id);
        return undefined;
      }
      return s.token;
    },
    delete: (id) => void sessions.delete(id),
    get size() {
      return sessions.size;
    },
  };
}

/** The value of one cookie in a Cookie header (no library: one name, a base64url value). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/**
 * The hook that reads the session cookie of every admin-listener request (before any guard):
 * a live session's token becomes the request's presented token, unless the request carries a
 * Bearer token of its own. A cookie-signed request other than GET/HEAD without the CSRF header is
 * refused here: a cross-site form would carry the cookie, never the header.
 */
export function sessionHook(store: SessionStore): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    if (bearerOf(request) !== null) return;
    const id = cookieValue(request.headers.cookie, SESSION_COOKIE);
    const token = id === undefined ? undefined : store.tokenOf(id);
    if (token === undefined) return;
    if (!SAFE_METHODS.has(request.method) && request.headers[CSRF_HEADER] === undefined) {
      throw new ClientError(403, 'csrf', `a signed-in ${request.method} must carry the ${CSRF_HEADER} header (the dashboard sends it)`);
    }
    sessionTokens.set(request, token);
  };
}

function sessionCookie(request: FastifyRequest, value: string, maxAgeSeconds: number): string {
  // Secure where the browser reached us over https: directly, or through the TLS proxy that
  // docs/security.md puts in front (X-Forwarded-Proto). A forged header only makes the cookie
  // stricter: a browser on plain http then drops it.
  const proto = String(request.headers['x-forwarded-proto'] ?? '').split(',')[0]!.trim().toLowerCase();
  const secure = request.protocol === 'https' || proto === 'https' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

/**
 * `POST /auth/session` (`{"token": "…"}`: sign in, sets the cookie), `DELETE /auth/session` (sign
 * out), `GET /auth/me` (who, and which actions the dashboard may offer). They need no action of
 * their own: signing in checks the token through the same AdminAuth the guard uses.
 */
export function registerSessionRoutes(app: FastifyInstance, auth: AdminAuth, store: SessionStore, now: () => number = Date.now): void {
  app.addHook('onRequest', sessionHook(store));
  app.post('/auth/session', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.headers[CSRF_HEADER] === undefined) throw new ClientError(403, 'csrf', `signing in must carry the ${CSRF_HEADER} header (the dashboard sends it)`);
    const body = request.body as { token?: unknown } | undefined;
    if (typeof body?.token !== 'string' || body.token === '') throw new ClientError(400, 'bad_request', 'send {"token": "<your token>"}');
    const actor = auth.authenticate(body.token.trim(), { ip: request.ip });
    if (!actor) throw new ClientError(401, 'unauthorized', 'that token is not known here');
    const { id, expiresAt } = store.create(body.token.trim());
    reply.header('set-cookie', sessionCookie(request, id, Math.floor((expiresAt - now()) / 1000)));
    return { actor: describeActor(actor), actions: auth.allowedActions(actor), expiresAt: new Date(expiresAt).toISOString() };
  });
  app.delete('/auth/session', async (request: FastifyRequest, reply: FastifyReply) => {
    const id = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (id !== undefined) store.delete(id);
    reply.header('set-cookie', sessionCookie(request, '', 0));
    return { signedOut: true };
  });
  app.get('/auth/me', async (request: FastifyRequest) => {
    const token = presentedToken(request);
    const actor = token === null ? null : auth.authenticate(token, { ip: request.ip });
    if (!actor) throw new ClientError(401, 'unauthorized', 'not signed in');
    return { actor: describeActor(actor), actions: auth.allowedActions(actor), via: bearerOf(request) !== null ? 'bearer' : 'session' };
  });
}
