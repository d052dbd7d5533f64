import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * What each admin route does: the name one policy decides on (the people issue: role × tenure ×
 * action) and an audit line records. Closed: a route with a new action extends this list.
 */
export const ADMIN_ACTIONS = [
  'status.read',
  'sql.query',
  'sources.list',
  'sources.create',
  'sources.revoke',
  'loader.flush',
  'attribution.run',
  'syncs.list',
  'syncs.read',
  'syncs.dry-run',
  'syncs.run',
  'syncs.cancel',
  // The dashboard's reads (src/dashboard/): its attribution page reuses attribution.run, its
  // activation page syncs.*.
  'dashboard.read',
  'quality.read',
  'journeys.read',
  'events.live',
] as const;
export type AdminAction = (typeof ADMIN_ACTIONS)[number];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The admin action a route performs (admin listener only). */
    action?: AdminAction;
  }
}

export interface AdminRoute {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly url: string;
  readonly action: AdminAction;
  readonly handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
}

/**
 * Decides whether a request may perform an action: returns when it may, throws a `ClientError`
 * (401 unknown caller, 403 not allowed) when not. Today the admin token; later the policy.
 */
export type AdminGuard = (request: FastifyRequest, action: AdminAction) => void | Promise<void>;

/**
 * Registers the admin route table behind one hook: every route is guarded by `guard`, told which
 * action it performs — no route checks a caller by hand.
 */
export function registerAdminRoutes(app: FastifyInstance, routes: readonly AdminRoute[], guard: AdminGuard): void {
  app.register(async (scope) => {
    scope.addHook('onRequest', async (request) => {
      const action = request.routeOptions.config.action;
      // Every route of this scope comes from the table below, so each has an action.
      if (action === undefined) throw new Error(`admin route ${request.routeOptions.url ?? '?'} has no action`);
      await guard(request, action);
    });
    for (const r of routes) scope.route({ method: r.method, url: r.url, config: { action: r.action }, handler: r.handler });
  });
}
