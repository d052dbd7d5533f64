import type { FastifyError, FastifyInstance } from 'fastify';
import { InvalidJsonError } from '../http/client-error.js';
import { registerCors } from '../http/cors.js';
import { toErrorReply } from '../http/error-reply.js';
import { createHttpApp } from '../http/http-app.js';
import type { ListenerLimits } from '../http/listener-limits.js';
import type { SiteOrigins } from '../http/site-origins.js';
import type { Log } from '../logging/log.js';
import { logRequests } from '../logging/request-log.js';
import { meterRequests } from '../metrics/meter-requests.js';
import type { Metrics } from '../metrics/metrics.js';
import { HEALTHZ_DOC } from '../openapi/listener-docs.js';
import { registerProtocols } from './protocols/protocols.js';
import { registerSdkCompatRoutes, SDK_BATCH_PATHS } from './sdk-compat-routes.js';
import type { Spool } from '../spool/spool.js';
import type { RequestFacts } from './event-row.js';
import { failedRow } from './ingest.js';
import type { PublicRoutes, Quarantine } from './public-routes.js';
import { authenticate, registerTrackingRoutes, requestFacts, type TrackingDeps } from './tracking-routes.js';

export interface CollectorOptions {
  readonly tracking: Omit<TrackingDeps, 'quarantine'>;
  /** Routes of the modules above the collector: the browser tracker's script and endpoint when enabled. */
  readonly routes?: readonly PublicRoutes[];
  readonly spool: Spool;
  readonly trustProxy: boolean | number | string[];
  readonly retryAfterSeconds: number;
  readonly limits: ListenerLimits;
  /** The site's own origins: the only ones that get CORS answers with credentials. */
  readonly siteOrigins: SiteOrigins;
  /** Where unexpected errors are reported (the collector has no per-request logging). */
  readonly log: Log;
  /** Times each answer (`touchline_http_request_duration_seconds`, listener `public`). @defaultValue none */
  readonly metrics?: Metrics;
  /** Removes PII from a refused body before `failed_events` keeps it (src/privacy/redact-failed.ts). @defaultValue none */
  readonly redactFailed?: (raw: unknown) => unknown;
}

/**
 * The public listener's app: the Segment API, the tracker's script and endpoint, the other vendors'
 * protocols (protocols/protocols.ts), `/healthz` —
 * nothing else (the admin API has its own listener, src/admin/admin-app.ts). fastify:
 * schema-free custom body parsers, per-route body limits, hooks for decompression, and in-process
 * `inject()` for tests, at a small cost over bare node:http — measured in `npm run bench`.
 */
export async function buildCollectorApp(options: CollectorOptions): Promise<FastifyInstance> {
  const app = createHttpApp({
    limits: options.limits,
    bodyLimit: options.tracking.maxBatchBytes,
    // A hop count trusts that many proxies in front (proxy-addr's semantics, as a function).
    trustProxy:
      typeof options.trustProxy === 'number'
        ? ((hops: number) => (_addr: string, i: number) => i < hops)(options.trustProxy)
        : options.trustProxy,
  });
  if (options.metrics) meterRequests(app, 'public', options.metrics);
  logRequests(app, 'public', options.log);
  // Before any route: every route added below gets its preflight route and policy.
  registerCors(app, { site: options.siteOrigins, defaultPolicy: 'public', log: options.log });

  const quarantine: Quarantine = async (facts: RequestFacts, raw: unknown, reason: string, rawIsText = false): Promise<void> => {
    const stored = options.redactFailed ? options.redactFailed(raw) : raw;
    await options.spool.append([failedRow(facts, 0, stored, reason, '', rawIsText)], { requestId: facts.requestId });
  };

  const routes = options.routes ?? [];
  const batchRoutes = new Set(['/v1/batch', ...SDK_BATCH_PATHS, ...routes.flatMap((r) => r.batchPaths)]);
  app.setErrorHandler(async (err: FastifyError | Error, request, reply) => {
    // Malformed JSON from a known source is kept in failed_events too: nothing is lost silently.
    if (err instanceof InvalidJsonError && request.headers.authorization) {
      try {
        const source = authenticate(options.tracking.sources, request, {});
        const facts = requestFacts(request, source, options.tracking.now());
        await quarantine(facts, err.text, err.message, true);
        err.extra['quarantined'] = true;
      } catch {
        /* unknown source or spool full: the 400 still tells the sender what is wrong */
      }
    }
    return toErrorReply(err, request, reply, {
      retryAfterSeconds: options.retryAfterSeconds,
      log: options.log,
      limitKeyOf: (r) => (batchRoutes.has(r.routeOptions.url ?? '') ? 'limits.maxBatchBytes' : 'limits.maxEventBytes'),
    });
  });

  app.get('/healthz', { config: { cors: 'none', doc: HEALTHZ_DOC } }, async () => ({ ok: true }));
  // The collector's routes: the Segment Tracking API, then those handed in (the tracker's). Register new public routes here.
  registerTrackingRoutes(app, { ...options.tracking, quarantine });
  registerSdkCompatRoutes(app, { ...options.tracking, quarantine });
  for (const r of routes) r.register(app, quarantine);
  // Amplitude, PostHog, Snowplow and postbacks, each in a context of its own (raw bodies, its errors).
  await registerProtocols(app, { ...options.tracking, quarantine, retryAfterSeconds: options.retryAfterSeconds, log: options.log });
  return app;
}
