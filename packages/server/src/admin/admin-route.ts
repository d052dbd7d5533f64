import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AdminAction } from '../policy/actions.js';
import type { Actor, Decision, DecisionContext } from '../policy/decide.js';
import { checkDeclared, type RouteDoc } from '../http/route-doc.js';

/**
 * What each admin route does: the name the one policy decides on (role × tenure × action) and
 * the audit log records. Closed: a route with a new action extends the list in policy/actions.ts,
 * and the policy's table test then asks what each role may do with it.
 */
export { ADMIN_ACTIONS, type AdminAction } from '../policy/actions.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The admin action a route performs (admin listener only). */
    action?: AdminAction;
  }
}

/** What the policy needs to know of a request besides who and which action (read from the parsed body). */
export type RequestFacts = Omit<DecisionContext, 'now'>;

export interface AdminRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly url: string;
  readonly action: AdminAction;
  readonly handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  /** The facts of this request the policy decides on (a sync run: test or real). @defaultValue none */
  readonly facts?: (request: FastifyRequest) => RequestFacts;
  /**
   * Schemas the request is validated with, and examples: the OpenAPI spec's operation
   * (src/http/route-doc.ts). @defaultValue none, which test/ops/openapi.test.ts refuses: every route is in the spec
   */
  readonly doc?: RouteDoc;
  /** The largest body this route takes, where it is not the listener's (a CSV upload). @defaultValue the admin listener's 1 MiB */
  readonly bodyLimit?: number;
}

/** What a handler adds to its audit record: the thing acted on, and for changes, before and after. */
export interface AuditNote {
  target?: string;
  before?: unknown;
  after?: unknown;
  /** Replaces the parameters recorded (the guard records the masked body, params and query otherwise). */
  params?: unknown;
}

interface RequestState {
  actor: Actor | null;
  decision: Decision | null;
  /** Why the request did not authenticate. */
  unauthenticated: string | null;
  note: AuditNote;
}
const states = new WeakMap<FastifyRequest, RequestState>();

/** The guard's and the handler's shared notes on one request. */
export function requestState(request: FastifyRequest): RequestState {
  let s = states.get(request);
  if (!s) states.set(request, (s = { actor: null, decision: null, unauthenticated: null, note: {} }));
  return s;
}

/** The caller of a guarded route (set by the guard before any handler runs). */
export function actorOf(request: FastifyRequest): Actor {
  const a = requestState(request).actor;
  if (!a) throw new Error('actorOf: the route is not behind the admin guard');
  return a;
}

/** The policy's decision for this request: handlers apply its obligations (a send's row cap). */
export function decisionOf(request: FastifyRequest): Decision {
  const d = requestState(request).decision;
  if (!d) throw new Error('decisionOf: the route is not behind the admin guard');
  return d;
}

/** Adds the target and before/after of a change to this request's audit record. */
export function noteAudit(request: FastifyRequest, note: AuditNote): void {
  Object.assign(requestState(request).note, note);
}

/**
 * Who may do what, in three steps: `authenticate` before the body is read (throws a 401
 * `ClientError`), `authorize` once the body is parsed (throws a 403 naming the action and the
 * rule), `record` as the answer leaves (the audit log: every decision, reads too).
 */
export interface AdminGuard {
  authenticate(request: FastifyRequest): void | Promise<void>;
  authorize(request: FastifyRequest, action: AdminAction, facts: RequestFacts): void | Promise<void>;
  record(request: FastifyRequest, action: AdminAction, status: number): void | Promise<void>;
}

/**
 * Registers the admin route table behind one guard: every route is told which action it performs
 * — no route checks a caller by hand.
 */
export function registerAdminRoutes(app: FastifyInstance, routes: readonly AdminRoute[], guard: AdminGuard): void {
  app.register(async (scope) => {
    const actionOf = (request: FastifyRequest): AdminAction => {
      const action = request.routeOptions.config.action;
      // Every route of this scope comes from the table below, so each has an action.
      if (action === undefined) throw new Error(`admin route ${request.routeOptions.url ?? '?'} has no action`);
      return action;
    };
    const factsOf = new Map(routes.map((r) => [`${r.method} ${r.url}`, r.facts]));
    scope.addHook('onRequest', async (request) => {
      actionOf(request);
      await guard.authenticate(request);
    });
    scope.addHook('preHandler', async (request) => {
      const facts = factsOf.get(`${request.method} ${request.routeOptions.url ?? ''}`);
      await guard.authorize(request, actionOf(request), facts ? facts(request) : {});
      // After the decision: only a caller who may act learns what the schema refuses.
      const doc = request.routeOptions.config.doc;
      if (doc) checkDeclared(request, doc);
    });
    scope.addHook('onSend', async (request, reply, payload) => {
      const action = request.routeOptions.config.action;
      if (action !== undefined) await guard.record(request, action, reply.statusCode);
      return payload;
    });
    for (const r of routes) scope.route({ method: r.method, url: r.url, config: { action: r.action, ...(r.doc ? { doc: r.doc } : {}) }, ...(r.bodyLimit ? { bodyLimit: r.bodyLimit } : {}), handler: r.handler });
  });
}
