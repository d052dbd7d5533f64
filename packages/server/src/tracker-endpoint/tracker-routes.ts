import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hostName } from '@touchline/site';
import { parseIsoTime } from '@touchline/protocol';
import type { SourceRegistry } from '../sources/sources.js';
import type { PublicRoutes } from '../collector/public-routes.js';
import { authenticate, requestFacts } from '../collector/tracking-routes.js';
import { ClientError } from '../http/client-error.js';
import type { ScriptAsset } from './script-asset.js';
import { receiveTrackerBatch, type TrackerBatchDeps } from './tracker-batch.js';
import { TRACKER_BATCH_DOC, TRACKER_SCRIPT_DOC } from './tracker-route-docs.js';

export interface TrackerRouteDeps extends TrackerBatchDeps {
  readonly sources: SourceRegistry;
  readonly now: () => Date;
  readonly script: ScriptAsset;
  readonly scriptPath: string;
  readonly endpointPath: string;
  readonly scriptMaxAgeSeconds: number;
  readonly maxBatchBytes: number;
}

/** `If-None-Match` lists the ETag (or `*`); weak comparison, as RFC 9110 asks for GET. */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const v = t.trim();
    return v === '*' || v.replace(/^W\//, '') === etag;
  });
}

function serveScript(deps: TrackerRouteDeps) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    // the page's own host: the copy carries its registrable domain (script-asset.ts)
    const script = deps.script.forHost(hostName(request.hostname));
    reply
      .header('content-type', 'text/javascript; charset=utf-8')
      // a short max-age, then a cheap revalidation: a new tracker build reaches visitors within the hour
      .header('cache-control', `public, max-age=${deps.scriptMaxAgeSeconds}, stale-while-revalidate=86400`)
      .header('etag', script.etag)
      .header('vary', 'Accept-Encoding')
      .header('x-content-type-options', 'nosniff');
    if (matches(request.headers['if-none-match'], script.etag)) return reply.code(304).send();
    if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) {
      return reply.header('content-encoding', 'gzip').send(script.gzip);
    }
    return reply.send(script.body);
  };
}

/**
 * The tracker's two routes, on neutral paths: the script (`tracker.scriptPath`, default
 * `/_t/s.js`) and its endpoint (`tracker.endpointPath`, default `/_t/b`). The endpoint takes the
 * tracker's body (Segment batch JSON with `writeKey`, sent as text/plain so no preflight is
 * needed) and answers with the visitor's authoritative touches; see tracker-batch.ts.
 */
export function registerTrackerRoutes(app: FastifyInstance, deps: TrackerRouteDeps): void {
  app.get(deps.scriptPath, { config: { doc: TRACKER_SCRIPT_DOC } }, serveScript(deps));
  // The endpoint reads and sets the visitor cookie: only the site's own origins get a CORS answer.
  app.post(deps.endpointPath, { bodyLimit: deps.maxBatchBytes, config: { cors: 'site', doc: TRACKER_BATCH_DOC } }, async (request, reply) => {
    const body = request.body;
    const source = authenticate(deps.sources, request, body);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ClientError(400, 'invalid_batch', 'the body must be a JSON object with a `batch` array');
    }
    const b = body as Record<string, unknown>;
    const facts = requestFacts(request, source, deps.now(), parseIsoTime(b['sentAt']) ?? undefined);
    const answer = await receiveTrackerBatch(
      {
        body: b,
        facts,
        cookieHeader: request.headers.cookie,
        host: hostName(request.hostname),
        // fastify reads X-Forwarded-Proto only when `ip.trustProxy` trusts the proxy
        secure: request.protocol === 'https',
      },
      deps,
    );
    reply.code(answer.status).header('cache-control', 'no-store');
    if (answer.setCookie) reply.header('set-cookie', answer.setCookie);
    return answer.body;
  });
}

/** The tracker's routes for the public listener (the collector app registers them in its order). */
export function trackerRoutes(deps: Omit<TrackerRouteDeps, 'quarantine'>): PublicRoutes {
  return {
    batchPaths: [deps.endpointPath],
    register: (app, quarantine) => registerTrackerRoutes(app, { ...deps, quarantine }),
  };
}
