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
}

/**
 * The admin listener's app (`admin.host`, loopback by default): the admin API, every route from
 * one table behind one guard, and an unauthenticated `/healthz`. No CORS headers at all: the
 * dashboard it will serve is same-origin, and no other origin has business here.
 */
export function buildAdminApp(o: AdminAppOptions): FastifyInstance {
  const app = createHttpApp({ limits: o.limits, bodyLimit: ADMIN_BODY_LIMIT });
  app.setErrorHandler(async (err: FastifyError | Error, request, reply) =>
    toErrorReply(err, request, reply, { retryAfterSeconds: o.retryAfterSeconds, log: o.log, limitKeyOf: () => 'the admin API\'s 1 MiB limit' }),
  );
  // Answers carry warehouse rows and write keys: never cached, never sniffed.
  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.header('cache-control', 'no-store').header('x-content-type-options', 'nosniff');
    done(null, payload);
  });
  app.get('/healthz', async () => ({ ok: true }));
  registerAdminRoutes(app, o.routes, o.guard);
  return app;
}
