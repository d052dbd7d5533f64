import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { ConsentState } from '@touchline/protocol';
import { isbot } from 'isbot';
import { createLandingDelivery, type LandingDelivery, type LandingDeliveryOptions, type LandingDeliveryStats } from './delivery.js';
import { isDocumentRequest, landingEvent, type LandingRequest } from './landing.js';
import {
  checkCookieOptions,
  expiredVisitorCookie,
  readVisitorId,
  visitorCookie,
  VISITOR_COOKIE_DEFAULTS,
  type VisitorCookieOptions,
} from './visitor-cookie.js';

export interface SiteHelperOptions extends Omit<LandingDeliveryOptions, 'transport'> {
  /** Where landings go: `httpTransport('https://www.shop.com/_t/b')`, or an in-process function. */
  readonly transport: LandingDeliveryOptions['transport'];
  /** Write key of the Touchline source the landings belong to. */
  readonly writeKey: string;
  /** Must match the collector's `tracker.cookie` settings. @defaultValue the collector's defaults */
  readonly cookie?: VisitorCookieOptions;
  /**
   * When true, nothing is set or sent unless `consent(req)` grants `analytics_storage`.
   * @defaultValue `false`
   */
  readonly requireConsent?: boolean;
  /**
   * The visitor's consent, read from the request (typically the consent platform's cookie).
   * `analytics_storage: false` also expires a visitor cookie the browser still sends.
   * @defaultValue no opinion (granted unless `requireConsent`)
   */
  readonly consent?: (req: LandingRequest) => ConsentState | undefined;
  /**
   * Requests to leave alone although they look like pages (e.g. `/admin`). The collector's own
   * paths (`/_t/`, `/v1/`) are always left alone.
   * @defaultValue none
   */
  readonly exclude?: (url: URL) => boolean;
  /**
   * Honour `X-Forwarded-Proto` / `X-Forwarded-Host` / `X-Forwarded-For` in the Node adapter (only
   * behind a proxy that sets them). Express and fastify resolve these themselves.
   * @defaultValue `false`
   */
  readonly trustProxy?: boolean;
  /** @defaultValue `crypto.randomUUID` */
  readonly newId?: () => string;
  /** @defaultValue `() => new Date()` */
  readonly now?: () => Date;
}

export type SkipReason = 'not-a-page' | 'excluded' | 'bot' | 'no-consent';

/** What `capture` decided for one request. */
export interface Capture {
  /** The `Set-Cookie` to add to the HTML response (issue, slide, or expire on withdrawal). */
  readonly setCookie?: string;
  /** The visitor id the landing was recorded under. */
  readonly visitorId?: string;
  /** Whether a landing was queued for the collector. */
  readonly recorded: boolean;
  readonly skipped?: SkipReason;
}

type NodeNext = (err?: unknown) => void;

/** Structural slice of fastify's request and reply (the package does not depend on fastify). */
interface FastifyLike {
  request: { method: string; url: string; protocol: string; hostname: string; ip: string; headers: Record<string, string | string[] | undefined> };
  reply: { header(name: string, value: string): unknown };
}

export interface SiteHelper {
  /** The decision for one request, framework-free. Never throws; never waits for the network. */
  capture(req: LandingRequest): Capture;
  /** Express / Connect / `node:http` middleware: `app.use(site.node)`. */
  node(req: IncomingMessage, res: ServerResponse, next?: NodeNext): void;
  /** fastify `onRequest` hook: `app.addHook('onRequest', site.fastify)`. */
  fastify(request: FastifyLike['request'], reply: FastifyLike['reply'], done?: () => void): void;
  /**
   * For fetch-style handlers (Next.js middleware, Hono, Remix, Bun, Deno): adds the cookie to
   * `response` (a copy when its headers are immutable) and returns it.
   * @example export function middleware(req) { return site.fetch(req, NextResponse.next()) }
   */
  fetch(request: Request, response: Response): Response;
  /** Wraps a fetch handler: `export default { fetch: site.wrap(app.fetch) }`. */
  wrap(handler: (request: Request) => Response | Promise<Response>): (request: Request) => Promise<Response>;
  /** Resolves when every landing queued so far was delivered or given up. */
  flush(): Promise<void>;
  stats(): LandingDeliveryStats;
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
const COLLECTOR_PATHS = /^\/(_t|v1)\//;

/**
 * The site-side half of Touchline: on every HTML page request it reads the landing (full URL,
 * `Referer`, user agent, `Sec-GPC`), sets the same `HttpOnly` visitor cookie the collector sets
 * (for sites that cannot route the collector through their own host, and for visits where the
 * script never runs), and records the landing as a `page` event, in the background.
 *
 * @example
 * const site = createSiteHelper({ writeKey: 'wk_…', transport: httpTransport('https://www.shop.com/_t/b') });
 * app.use(site.node); // Express
 */
export function createSiteHelper(o: SiteHelperOptions): SiteHelper {
  const bad = checkCookieOptions(o.cookie ?? {});
  if (bad) throw new Error(`@touchline/site: ${bad}`);
  const h: Helper = {
    o,
    name: o.cookie?.name ?? VISITOR_COOKIE_DEFAULTS.name,
    newId: o.newId ?? randomUUID,
    now: o.now ?? (() => new Date()),
    delivery: createLandingDelivery(o),
  };
  const capture = (req: LandingRequest) => captureLanding(h, req);
  return {
    capture,
    node(req, res, next) {
      const c = capture(fromNode(req, o.trustProxy === true));
      if (c.setCookie && !res.headersSent) {
        const prev = res.getHeader('set-cookie');
        res.setHeader('set-cookie', [...(prev === undefined ? [] : Array.isArray(prev) ? prev : [String(prev)]), c.setCookie]);
      }
      next?.();
    },
    fastify(request, reply, done) {
      const c = capture(fromFastify(request));
      if (c.setCookie) reply.header('set-cookie', c.setCookie); // fastify appends set-cookie
      done?.();
    },
    fetch(request, response) {
      const c = capture(fromFetch(request));
      return c.setCookie ? withCookie(response, c.setCookie) : response;
    },
    wrap(handler) {
      return async (request) => {
        const c = capture(fromFetch(request));
        const response = await handler(request);
        return c.setCookie ? withCookie(response, c.setCookie) : response;
      };
    },
    flush: () => h.delivery.flush(),
    stats: () => h.delivery.stats(),
  };
}

/** What capturing needs: the options with their defaults resolved, and the delivery. */
interface Helper {
  readonly o: SiteHelperOptions;
  /** The visitor cookie's name. */
  readonly name: string;
  readonly newId: () => string;
  readonly now: () => Date;
  readonly delivery: LandingDelivery;
}

/** The decision for one request: skipped (and why), or a landing queued and the cookie to set. */
function captureLanding(h: Helper, req: LandingRequest): Capture {
  const o = h.o;
  try {
    if (!isDocumentRequest(req)) return { recorded: false, skipped: 'not-a-page' };
    const url = new URL(req.url);
    if (COLLECTOR_PATHS.test(url.pathname) || o.exclude?.(url)) return { recorded: false, skipped: 'excluded' };
    // Link-preview fetchers (WhatsApp, Slack, iMessage…) carry the shared click ids: never a
    // visitor, never a first touch. No user agent at all is no browser either.
    const ua = req.header('user-agent') ?? '';
    if (!ua || isbot(ua)) return { recorded: false, skipped: 'bot' };
    const ctx = { host: url.hostname, secure: req.secure };
    const existing = readVisitorId(req.header('cookie') ?? undefined, h.name);
    const stated = o.consent?.(req);
    if (stated?.analytics_storage === false || (o.requireConsent && stated?.analytics_storage !== true)) {
      const withdrawn = stated?.analytics_storage === false && existing;
      return { recorded: false, skipped: 'no-consent', ...(withdrawn ? { setCookie: expiredVisitorCookie(ctx, o.cookie) } : {}) };
    }
    const id = existing ?? h.newId();
    enqueueLanding(h, req, url, ua, id, stated);
    return { recorded: true, visitorId: id, setCookie: visitorCookie(id, ctx, o.cookie) };
  } catch (err) {
    o.onError?.(`capture failed: ${(err as Error).message}`);
    return { recorded: false };
  }
}

/** Queues the landing as a `page` event, sent as the visitor's browser would (cookie, user agent, GPC). */
function enqueueLanding(h: Helper, req: LandingRequest, url: URL, ua: string, id: string, stated: ConsentState | undefined): void {
  const gpc = req.header('sec-gpc') === '1';
  const event = landingEvent({
    url: url.href,
    referrer: req.header('referer') ?? undefined,
    userAgent: ua,
    ip: req.ip,
    gpc,
    consent: { ...stated, analytics_storage: true },
    at: h.now().toISOString(),
    messageId: h.newId(),
    anonymousId: id,
  });
  h.delivery.enqueue({
    body: JSON.stringify({ batch: [event], sentAt: h.now().toISOString(), writeKey: h.o.writeKey }),
    headers: {
      'content-type': 'application/json',
      cookie: `${h.name}=${id}`,
      'user-agent': ua,
      ...(gpc ? { 'sec-gpc': '1' } : {}),
    },
  });
}

/** A `node:http` / Express request as a landing request; `X-Forwarded-*` only when `trustProxy`. */
function fromNode(req: IncomingMessage, trustProxy: boolean): LandingRequest {
  const fwd = (h: string) => (trustProxy ? first(req.headers[h])?.split(',')[0]?.trim() : undefined);
  const secure = Boolean((req.socket as TLSSocket | undefined)?.encrypted) || fwd('x-forwarded-proto') === 'https';
  // Express sets req.originalUrl when mounted under a path.
  const path = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const host = fwd('x-forwarded-host') ?? first(req.headers.host) ?? 'localhost';
  return {
    method: req.method ?? 'GET',
    url: `${secure ? 'https' : 'http'}://${host}${path}`,
    header: (h) => first(req.headers[h.toLowerCase()]),
    ip: fwd('x-forwarded-for') ?? req.socket?.remoteAddress,
    secure,
  };
}

/** A fastify request as a landing request (fastify resolves the forwarded headers itself). */
function fromFastify(request: FastifyLike['request']): LandingRequest {
  return {
    method: request.method,
    url: `${request.protocol}://${request.hostname}${request.url}`,
    header: (h) => first(request.headers[h.toLowerCase()]),
    ip: request.ip,
    secure: request.protocol === 'https',
  };
}

function fromFetch(request: Request): LandingRequest {
  const url = new URL(request.url);
  return {
    method: request.method,
    url: request.url,
    header: (h) => request.headers.get(h),
    ip: request.headers.get('x-forwarded-for')?.split(',')[0]?.trim() || undefined,
    secure: url.protocol === 'https:',
  };
}

function withCookie(response: Response, cookie: string): Response {
  try {
    response.headers.append('set-cookie', cookie);
    return response;
  } catch {
    // immutable headers (a Response from fetch()): answer with a copy
    const copy = new Response(response.body, response);
    copy.headers.append('set-cookie', cookie);
    return copy;
  }
}
