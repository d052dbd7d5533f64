import cors from '@fastify/cors';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { registerAdminRoutes, type AdminDeps } from './admin-routes.js';
import { registerBodyParsing } from './body-parsing.js';
import { toErrorReply } from './http-errors.js';
import { failedRow } from './ingest.js';
import { InvalidJsonError } from './http-errors.js';
import { authenticate, registerTrackingRoutes, requestFacts, type TrackingDeps } from './tracking-routes.js';
import { registerSdkCompatRoutes, SDK_BATCH_PATHS, SDK_REQUEST_HEADERS } from './sdk-compat-routes.js';
import type { Spool } from '../spool/spool.js';
import type { RequestFacts } from './event-row.js';
import { registerTrackerRoutes, type TrackerRouteDeps } from '../tracker-endpoint/tracker-routes.js';

export interface CollectorOptions {
  readonly tracking: Omit<TrackingDeps, 'quarantine'>;
  readonly admin: AdminDeps;
  /** The browser tracker's script and endpoint (`tracker` config); absent when disabled. */
  readonly tracker?: Omit<TrackerRouteDeps, 'quarantine'> | undefined;
  readonly spool: Spool;
  readonly trustProxy: boolean | number | string[];
  readonly retryAfterSeconds: number;
  /** Where unexpected errors are reported (the collector has no per-request logging). */
  readonly log?: (msg: string, fields?: Record<string, unknown>) => void;
}

/**
 * The collector's HTTP app (fastify: schema-free custom body parsers, per-route body limits,
 * hooks for decompression, and in-process `inject()` for tests, at a small cost over bare
 * node:http — measured in `npm run bench`).
 */
export async function buildCollectorApp(options: CollectorOptions): Promise<FastifyInstance> {
  const app = Fastify({
    // No logger: a per-request child logger costs more than the rest of a single-event request's
    // bookkeeping; unexpected errors go to `log`.
    logger: false,
    // A hop count trusts that many proxies in front (proxy-addr's semantics, as a function).
    trustProxy:
      typeof options.trustProxy === 'number'
        ? ((hops: number) => (_addr: string, i: number) => i < hops)(options.trustProxy)
        : options.trustProxy,
    bodyLimit: options.tracking.maxBatchBytes,
    return503OnClosing: true,
  });
  await app.register(cors, {
    origin: true,
    credentials: true,
    methods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Content-Type', 'Authorization', 'Content-Encoding', ...SDK_REQUEST_HEADERS],
    maxAge: 86400,
  });
  registerBodyParsing(app);

  const quarantine = async (facts: RequestFacts, raw: unknown, reason: string, rawIsText = false): Promise<void> => {
    await options.spool.append([failedRow(facts, 0, raw, reason, '', rawIsText)]);
  };

  const batchRoutes = new Set(['/v1/batch', ...SDK_BATCH_PATHS, ...(options.tracker ? [options.tracker.endpointPath] : [])]);
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
      log: options.log ?? ((msg, fields) => console.error(`touchline: ${msg}`, fields ?? '')),
      limitKeyOf: (r) => (batchRoutes.has(r.routeOptions.url ?? '') ? 'limits.maxBatchBytes' : 'limits.maxEventBytes'),
    });
  });
  app.setNotFoundHandler(async (request, reply) => {
    reply.code(404);
    return { success: false, error: 'not_found', message: `no route ${request.method} ${request.url}` };
  });

  app.get('/healthz', async () => ({ ok: true }));
  registerTrackingRoutes(app, { ...options.tracking, quarantine });
  registerSdkCompatRoutes(app, { ...options.tracking, quarantine });
  registerAdminRoutes(app, options.admin);
  if (options.tracker) registerTrackerRoutes(app, { ...options.tracker, quarantine });
  return app;
}
