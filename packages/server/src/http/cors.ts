import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hostName } from '@touchline/site';
import type { Log } from '../logging/log.js';
import type { SiteOrigins } from './site-origins.js';

/**
 * How a route answers browsers on other origins (docs/security.md, "CORS"):
 * - `public`: any origin may call it (the Segment API, the script); credentials are allowed only
 *   for the site's own origins, never for a foreign or `null` origin (they get `*`).
 * - `site`: only the site's own origins get an answer at all, with credentials (the tracker
 *   endpoint, which reads and sets the visitor cookie).
 * - `none`: no CORS headers (health checks; everything on the admin listener).
 */
export type CorsPolicy = 'public' | 'site' | 'none';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** This route's CORS policy; routes without one take the app's default. */
    cors?: CorsPolicy;
  }
}

/**
 * Request headers the vendors' browser SDKs send cross-origin, which the CORS preflight must allow or the
 * browser never sends the request: analytics.js adds `X-Retry-Count` when it retries;
 * RudderStack's XHR transport sends `AnonymousId` and `SentAt` on every request and its
 * `Rsa-*` retry bookkeeping on retried and recovered ones; Snowplow's tracker sends
 * `SP-Anonymous` in its anonymous-tracking mode. (Amplitude's and PostHog's browser SDKs send
 * only `Content-Type`.)
 */
const SDK_REQUEST_HEADERS: readonly string[] = [
  'X-Retry-Count',
  'AnonymousId',
  'SentAt',
  'Rsa-Recovered',
  'Rsa-Retry-Attempt',
  'Rsa-Since-Last-Attempt',
  'Rsa-Since-First-Attempt',
  'Rsa-Retry-Reason',
  'SP-Anonymous',
];

/**
 * The one list of request headers a browser may send to the public listener: what the tracker
 * and the Segment / RudderStack browser SDKs send (a preflight asking for more is answered
 * without them, and the browser stops).
 */
export const CORS_ALLOWED_HEADERS: readonly string[] = ['Content-Type', 'Authorization', 'Content-Encoding', ...SDK_REQUEST_HEADERS];
const ALLOWED_METHODS = 'GET, POST';
/** Chrome caps it at 2 h, Firefox at 24 h. */
const PREFLIGHT_MAX_AGE_SECONDS = '86400';

export interface CorsAnswer {
  readonly allowOrigin: string;
  readonly credentials: boolean;
}

/** What a request from `origin` is told, under `policy`; null: no CORS headers. */
export function corsAnswer(policy: CorsPolicy, origin: string | undefined, site: SiteOrigins): CorsAnswer | null {
  if (policy === 'none' || origin === undefined) return null;
  if (site.trusts(origin)) return { allowOrigin: origin, credentials: true };
  return policy === 'public' ? { allowOrigin: '*', credentials: false } : null;
}

export interface CorsOptions {
  readonly site: SiteOrigins;
  /** Policy of routes that name none. */
  readonly defaultPolicy: CorsPolicy;
  /** Told once per origin when a same-site page is refused credentials (a missing `tracker.siteDomains`). */
  readonly log?: Log;
}

const isPreflight = (r: FastifyRequest) => r.method === 'OPTIONS' && r.headers['access-control-request-method'] !== undefined;

/**
 * CORS for an app: call before its routes are added. Every route with a policy other than `none`
 * gets an OPTIONS route at the same path for preflights (so parametric routes work and unknown
 * paths stay 404, preflights included), and every answer carries the headers its policy gives.
 */
export function registerCors(app: FastifyInstance, o: CorsOptions): void {
  const withPreflight = new Set<string>();
  const hinted = new Set<string>();
  app.addHook('onRoute', (route) => {
    const methods = [route.method].flat();
    if (methods.includes('OPTIONS') || methods.includes('HEAD')) return;
    const policy = route.config?.cors ?? o.defaultPolicy;
    if (policy === 'none' || withPreflight.has(route.url)) return;
    withPreflight.add(route.url);
    app.options(route.url, { config: { cors: policy } }, async (_request, reply) => reply.code(204).send());
  });
  // A 404 has no route (and no policy): it answers without CORS headers.
  const policyOf = (request: FastifyRequest): CorsPolicy =>
    request.routeOptions.url === undefined ? 'none' : (request.routeOptions.config.cors ?? o.defaultPolicy);
  // Callback style: these run on every event request and need no promise.
  app.addHook('onRequest', (request, reply, done) => {
    const policy = policyOf(request);
    if (policy !== 'none') addHeaders(policy, request, reply);
    done();
  });
  // The answer depends on Origin: caches must key on it. Added last, beside the route's own Vary.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (policyOf(request) !== 'none') addVaryOrigin(reply);
    done(null, payload);
  });

  function addHeaders(policy: CorsPolicy, request: FastifyRequest, reply: FastifyReply): void {
    const origin = request.headers.origin;
    const answer = corsAnswer(policy, origin, o.site);
    if (!answer) {
      if (policy === 'site' && origin !== undefined) hint(origin, request);
      return;
    }
    reply.header('access-control-allow-origin', answer.allowOrigin);
    if (answer.credentials) reply.header('access-control-allow-credentials', 'true');
    if (isPreflight(request)) {
      reply
        .header('access-control-allow-methods', ALLOWED_METHODS)
        .header('access-control-allow-headers', CORS_ALLOWED_HEADERS.join(', '))
        .header('access-control-max-age', PREFLIGHT_MAX_AGE_SECONDS);
    }
  }

  function hint(origin: string, request: FastifyRequest): void {
    if (!o.log || hinted.has(origin) || hinted.size >= 100) return;
    const host = hostName(request.hostname);
    if (!o.site.sameSite(origin, host)) return;
    hinted.add(origin);
    o.log('a page on another host of this site posts to the tracker endpoint, but its origin is not configured: browsers will not let the tracker read the answer', {
      origin,
      host,
      fix: 'add the site\'s domain to tracker.siteDomains (or the origin to cors.allowedOrigins)',
    });
  }
}

function addVaryOrigin(reply: FastifyReply): void {
  const vary = reply.getHeader('vary');
  const list = vary === undefined ? [] : String(vary).split(',').map((v) => v.trim()).filter(Boolean);
  if (!list.some((v) => v.toLowerCase() === 'origin' || v === '*')) reply.header('vary', [...list, 'Origin'].join(', '));
}
