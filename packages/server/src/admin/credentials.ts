import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { ClientError } from '../http/client-error.js';
import { ADMIN_ACTIONS, type AdminAction, type AdminGuard } from './admin-route.js';

/**
 * Who presented a credential. Today the admin token is the only one; the people work (members,
 * personal `tl_pat_…` tokens) adds members here.
 */
export interface Actor {
  readonly kind: 'admin-token';
  /** What the dashboard shows as the signed-in name. */
  readonly name: string;
}

/** How a presented token becomes an actor, and what that actor may do: the one place a policy plugs in. */
export interface Credentials {
  /** The actor a token belongs to, or undefined for a token nobody holds. */
  authenticate(token: string): Actor | undefined;
  /** Every action the actor may perform (what `GET /auth/me` answers and the guard checks). */
  allowedActions(actor: Actor): readonly AdminAction[];
}

/** The credentials of a server with one admin token: it may do every action. */
export function adminTokenCredentials(adminToken: string): Credentials {
  const expected = Buffer.from(adminToken);
  return {
    authenticate(token) {
      const given = Buffer.from(token);
      return given.length === expected.length && timingSafeEqual(given, expected) ? { kind: 'admin-token', name: 'admin' } : undefined;
    },
    allowedActions: () => ADMIN_ACTIONS,
  };
}

/** The session cookie's name: `__Host-` needs Secure, which a plain-http loopback listener cannot set. */
export const SESSION_COOKIE = 'tl_session';
/** The header a cookie-signed request other than GET/HEAD must carry: another origin's form cannot send it. */
export const CSRF_HEADER = 'x-touchline-request';

/** The token each request presented through its session cookie, filled by {@link registerSessionRoutes}' hook. */
const sessionTokens = new WeakMap<FastifyRequest, string>();

function bearerOf(request: FastifyRequest): string | undefined {
  const m = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '');
  return m ? m[1]!.trim() : undefined;
}

/**
 * The token a request presents: its `Authorization: Bearer` token, else the token its session
 * cookie maps to (only when the session hook accepted it: live, and with the CSRF header on
 * anything but GET/HEAD). The one function every guard reads credentials through.
 */
export function presentedToken(request: FastifyRequest): string | undefined {
  return bearerOf(request) ?? sessionTokens.get(request);
}

/** The guard over {@link Credentials}: 401 without a known token, 403 for an action the actor may not do. */
export function credentialsGuard(credentials: Credentials): AdminGuard {
  return (request, action) => {
    const token = presentedToken(request);
    const actor = token === undefined ? undefined : credentials.authenticate(token);
    if (!actor) throw new ClientError(401, 'unauthorized', 'sign in, or send a token as `Authorization: Bearer <token>`');
    if (!credentials.allowedActions(actor).includes(action)) throw new ClientError(403, 'forbidden', `${actor.name} may not ${action}`);
  };
}

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
    if (bearerOf(request) !== undefined) return;
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
 * their own: signing in checks the token through the same credentials the guard uses.
 */
export function registerSessionRoutes(app: FastifyInstance, credentials: Credentials, store: SessionStore, now: () => number = Date.now): void {
  app.addHook('onRequest', sessionHook(store));
  app.post('/auth/session', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.headers[CSRF_HEADER] === undefined) throw new ClientError(403, 'csrf', `signing in must carry the ${CSRF_HEADER} header (the dashboard sends it)`);
    const body = request.body as { token?: unknown } | undefined;
    if (typeof body?.token !== 'string' || body.token === '') throw new ClientError(400, 'bad_request', 'send {"token": "<your token>"}');
    const actor = credentials.authenticate(body.token.trim());
    if (!actor) throw new ClientError(401, 'unauthorized', 'that token is not known here');
    const { id, expiresAt } = store.create(body.token.trim());
    reply.header('set-cookie', sessionCookie(request, id, Math.floor((expiresAt - now()) / 1000)));
    return { actor, actions: credentials.allowedActions(actor), expiresAt: new Date(expiresAt).toISOString() };
  });
  app.delete('/auth/session', async (request: FastifyRequest, reply: FastifyReply) => {
    const id = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (id !== undefined) store.delete(id);
    reply.header('set-cookie', sessionCookie(request, '', 0));
    return { signedOut: true };
  });
  app.get('/auth/me', async (request: FastifyRequest) => {
    const token = presentedToken(request);
    const actor = token === undefined ? undefined : credentials.authenticate(token);
    if (!actor) throw new ClientError(401, 'unauthorized', 'not signed in');
    return { actor, actions: credentials.allowedActions(actor), via: bearerOf(request) !== undefined ? 'bearer' : 'session' };
  });
}
