import type { FastifyError, FastifyInstance } from 'fastify';
import { toErrorReply } from '../http/error-reply.js';
import { createHttpApp } from '../http/http-app.js';
import type { ListenerLimits } from '../http/listener-limits.js';
import type { Log } from '../logging/log.js';
import { registerAdminRoutes, type AdminGuard, type AdminRoute } from './admin-route.js';

/** Admin requests are small (SQL text, a sync name); answers can be large. */
export const ADMIN_BODY_LIMIT = 1024 * 1024;

export interface AdminAppOptions {
  readonly routes: readonly AdminRoute[];
  readonly guard: AdminGuard;
  readonly limits: ListenerLimits;
  readonly retryAfterSeconds: number;
  readonly log: Log;
  /**
   * Routes that take no action of their own, registered before the guarded table: the sign-in
   * routes (`/auth/*`) and the dashboard's static files.
   */
  readonly unguarded?: readonly ((app: FastifyInstance) => void)[];
}

/**
 * The admin listener's app (`admin.host`, loopback by default): the admin API, every route from
 * one table behind one guard, the sign-in routes, the dashboard's files and an unauthenticated
 * `/healthz`. No CORS headers at all: the dashboard is same-origin, and no other origin has business here.
 */
export function buildAdminApp(o: AdminAppOptions): FastifyInstance {
  const app = createHttpApp({ limits: o.limits, bodyLimit: ADMIN_BODY_LIMIT });
  app.setErrorHandler(async (err: FastifyError | Error, request, reply) =>
    toErrorReply(err, request, reply, { retryAfterSeconds: o.retryAfterSeconds, log: o.log, limitKeyOf: () => 'the admin API\'s 1 MiB limit' }),
  );
  // Answers carry warehouse rows and write keys: never cached, never sniffed (the dashboard's
  // hashed static files say otherwise themselves).
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
    done(null, payload);
  });
  app.get('/healthz', async () => ({ ok: true }));
  for (const add of o.unguarded ?? []) add(app);
  registerAdminRoutes(app, o.routes, o.guard);
  return app;
}
