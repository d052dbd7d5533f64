import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import type { AuditEntry } from '../audit/audit-record.js';
import { ClientError } from '../http/client-error.js';
import { auditActorOf } from '../people/people.js';
import type { AdminAction } from '../policy/actions.js';
import type { Actor } from '../policy/decide.js';
import { createSignInLimiter, signInKeys, type SignInLimiter } from './sign-in-limiter.js';
import { SESSION_DOCS, SignInBody } from './session-route-docs.js';

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

export interface SignInOptions {
  /** Where each sign-in and sign-out is recorded (the people's audit log). @defaultValue nowhere */
  readonly audit?: (entry: AuditEntry) => void;
  /** Failed sign-ins per IP and per token prefix. @defaultValue 10 in 15 minutes, on `now` */
  readonly limiter?: SignInLimiter;
}

/** Sign-ins and sign-outs into the people's audit log; a log that cannot write is said loudly, and the answer still goes out (as the guard does). */
export function signInAudit(people: { readonly audit: { append(e: AuditEntry): unknown } }, log: (msg: string, fields?: Record<string, unknown>) => void): (e: AuditEntry) => void {
  return (e) => {
    try {
      people.audit.append(e);
    } catch (err) {
      log('could not write an audit record: check the disk and control.sqlite', { action: e.action, error: (err as Error).message });
    }
  };
}

/** What an audit record keeps of a presented token: a personal token's public id, never its secret or any other token. */
function tokenTarget(actor: Actor | null, token: string): string | null {
  if (actor?.kind === 'bootstrap') return 'admin token';
  const id = /^tl_pat_([0-9a-f]{16})_/.exec(token)?.[1];
  return id === undefined ? null : `token ${id}`;
}

/**
 * `POST /auth/session` (`{"token": "…"}`: sign in, sets the cookie), `DELETE /auth/session` (sign
 * out), `GET /auth/me` (who, and which actions the dashboard may offer). They need no action of
 * their own: signing in checks the token through the same AdminAuth the guard uses. Failed
 * sign-ins are limited per IP and per token prefix (429 with Retry-After); every sign-in,
 * refused or not, and every sign-out goes to the audit log without the token.
 */
export function registerSessionRoutes(app: FastifyInstance, auth: AdminAuth, store: SessionStore, now: () => number = Date.now, o: SignInOptions = {}): void {
  const limiter = o.limiter ?? createSignInLimiter({ now });
  const record = (request: FastifyRequest, e: Pick<AuditEntry, 'action' | 'outcome' | 'status'> & { actor: Actor | null; target: string | null; reason?: string }) =>
    o.audit?.({
      actor: auditActorOf(e.actor),
      action: e.action,
      target: e.target,
      outcome: e.outcome,
      rule: e.outcome === 'allowed' ? null : 'authentication',
      reason: e.reason ?? null,
      status: e.status ?? null,
      ip: request.ip,
      userAgent: request.headers['user-agent']?.slice(0, 300) ?? null,
    });
  app.addHook('onRequest', sessionHook(store));
  app.post('/auth/session', { config: { doc: SESSION_DOCS.signIn } }, async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.headers[CSRF_HEADER] === undefined) throw new ClientError(403, 'csrf', `signing in must carry the ${CSRF_HEADER} header (the dashboard sends it)`);
    const token = SignInBody.parse(request.body).token.trim();
    const keys = signInKeys(request.ip, token);
    const refuse = (status: number, reason: string, retryAfter?: number) => {
      record(request, { action: 'auth.sign-in', actor: null, target: tokenTarget(null, token), outcome: 'denied', status, reason });
      if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
      return new ClientError(status, status === 429 ? 'rate_limited' : 'unauthorized', reason);
    };
    const wait = limiter.blocked(keys);
    // Refused before the token is checked: a guesser past the limit learns nothing more.
    if (wait !== null) throw refuse(429, `too many failed sign-ins from this address or with this token: try again in ${wait} s`, wait);
    const actor = auth.authenticate(token, { ip: request.ip });
    if (!actor) {
      limiter.failed(keys);
      const after = limiter.blocked(keys);
      if (after !== null) throw refuse(429, `that token is not known here, and that was too many failed sign-ins: try again in ${after} s`, after);
      throw refuse(401, 'that token is not known here');
    }
    const { id, expiresAt } = store.create(token);
    record(request, { action: 'auth.sign-in', actor, target: tokenTarget(actor, token), outcome: 'allowed', status: 200 });
    reply.header('set-cookie', sessionCookie(request, id, Math.floor((expiresAt - now()) / 1000)));
    return { actor: describeActor(actor), actions: auth.allowedActions(actor), expiresAt: new Date(expiresAt).toISOString() };
  });
  app.delete('/auth/session', { config: { doc: SESSION_DOCS.signOut } }, async (request: FastifyRequest, reply: FastifyReply) => {
    const id = cookieValue(request.headers.cookie, SESSION_COOKIE);
    const token = id === undefined ? undefined : store.tokenOf(id);
    if (id !== undefined) store.delete(id);
    if (token !== undefined) {
      const actor = auth.authenticate(token, { ip: request.ip });
      record(request, { action: 'auth.sign-out', actor, target: tokenTarget(actor, token), outcome: 'allowed', status: 200 });
    }
    reply.header('set-cookie', sessionCookie(request, '', 0));
    return { signedOut: true };
  });
  app.get('/auth/me', { config: { doc: SESSION_DOCS.me } }, async (request: FastifyRequest) => {
    const token = presentedToken(request);
    const actor = token === null ? null : auth.authenticate(token, { ip: request.ip });
    if (!actor) throw new ClientError(401, 'unauthorized', 'not signed in');
    return { actor: describeActor(actor), actions: auth.allowedActions(actor), via: bearerOf(request) !== null ? 'bearer' : 'session' };
  });
}
