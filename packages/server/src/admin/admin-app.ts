import type { FastifyError, FastifyInstance } from 'fastify';
import { toErrorReply } from '../http/error-reply.js';
import { createHttpApp, routeTable, type RouteEntry } from '../http/http-app.js';
import type { ListenerLimits } from '../http/listener-limits.js';
import type { Log } from '../logging/log.js';
import { logRequests } from '../logging/request-log.js';
import { meterRequests } from '../metrics/meter-requests.js';
import type { Metrics } from '../metrics/metrics.js';
import { HEALTHZ_DOC, OPENAPI_DOC, READYZ_DOC } from '../openapi/listener-docs.js';
import { openApiDocument } from '../openapi/openapi-document.js';
import { registerAdminRoutes, type AdminGuard, type AdminRoute } from './admin-route.js';

/** Admin requests are small (SQL text, a sync name); answers can be large. */
export const ADMIN_BODY_LIMIT = 1024 * 1024;

export interface AdminAppOptions {
  readonly routes: readonly AdminRoute[];
  readonly guard: AdminGuard;
  readonly limits: ListenerLimits;
  readonly retryAfterSeconds: number;
  readonly log: Log;
  /** `/readyz`: each check's name and null when it passes, or what is wrong. */
  readonly readiness: () => Promise<Record<string, string | null>>;
  /**
   * Routes that take no action of their own, registered before the guarded table: the sign-in
   * routes (`/auth/*`) and the dashboard's static files.
   */
  readonly unguarded?: readonly ((app: FastifyInstance) => void)[];
  /** Times each answer (`touchline_http_request_duration_seconds`, listener `admin`). @defaultValue none */
  readonly metrics?: Metrics;
  /** The public listener's route table, for `/openapi.json` (which describes both). @defaultValue none */
  readonly publicRoutes?: () => readonly RouteEntry[];
}

/**
 * The admin listener's app (`admin.host`, loopback by default): the admin API, every route from
 * one table behind one guard (src/admin/policy-guard.ts), the sign-in routes and the dashboard's
 * files (which take no action: every data call they make is guarded). No CORS headers at all: the
 * dashboard is same-origin, and no other origin has business here. Unauthenticated besides those:
 * `/healthz`, `/readyz`, `/openapi.json`, and the OAuth callback (src/admin/connection-routes.ts), whose credential
 * is the single-use state of a connect flow an admin started.
 */
export function buildAdminApp(o: AdminAppOptions): FastifyInstance {
  const app = createHttpApp({ limits: o.limits, bodyLimit: ADMIN_BODY_LIMIT });
  // CSV files (spend imports) are read as text; the route decides what a CSV means, and a route
  // that takes none refuses it by its body schema. Only a route that says so takes more than 1 MiB.
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  if (o.metrics) meterRequests(app, 'admin', o.metrics);
  logRequests(app, 'admin', o.log);
  app.setErrorHandler(async (err: FastifyError | Error, request, reply) =>
    toErrorReply(err, request, reply, { retryAfterSeconds: o.retryAfterSeconds, log: o.log, limitKeyOf: (request) => ((request.routeOptions.bodyLimit ?? ADMIN_BODY_LIMIT) > ADMIN_BODY_LIMIT ? `the limit of ${request.routeOptions.url ?? 'this route'}` : 'the admin API\'s 1 MiB limit') }),
  );
  // Answers carry warehouse rows and write keys: never cached, never sniffed (the dashboard's
  // hashed static files say otherwise themselves).
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
    done(null, payload);
  });
  // Unauthenticated, and all that is: liveness, and readiness (spool writable, warehouse reachable) for a load balancer.
  app.get('/healthz', { config: { doc: HEALTHZ_DOC } }, async () => ({ ok: true }));
  app.get('/readyz', { config: { doc: READYZ_DOC } }, async (_request, reply) => {
    const checks = await o.readiness();
    const ok = Object.values(checks).every((c) => c === null);
    reply.code(ok ? 200 : 503);
    // Names what failed, not how: an unauthenticated caller learns no paths or errors.
    return { ok, checks: Object.fromEntries(Object.entries(checks).map(([k, v]) => [k, v === null ? 'ok' : 'failing'])) };
  });
  // Unauthenticated too: the spec holds shapes and made-up examples, no data or configuration, and
  // client generators and API explorers fetch it without a token (docs/operations.md).
  app.get('/openapi.json', { config: { doc: OPENAPI_DOC } }, async () =>
    openApiDocument([{ listener: 'public', routes: o.publicRoutes?.() ?? [] }, { listener: 'admin', routes: routeTable(app) }]),
  );
  for (const add of o.unguarded ?? []) add(app);
  registerAdminRoutes(app, o.routes, o.guard);
  return app;
}
