import type { ConsentState } from '@touchline/protocol';

/** The one thing every adapter (Node, fastify, fetch) reduces a request to. */
export interface LandingRequest {
  readonly method: string;
  /** Absolute URL of the request, as the visitor's browser asked for it. */
  readonly url: string;
  /** A request header (case-insensitive), or `undefined`/`null` when absent. */
  header(name: string): string | undefined | null;
  /** The visitor's address (already resolved through trusted proxies by the framework). */
  readonly ip?: string | undefined;
  /** Whether the page is served over https (adds `Secure` to the cookie). */
  readonly secure: boolean;
}

export const SITE_LIBRARY = '@touchline/site';
export const SITE_LIBRARY_VERSION = '0.1.0';

/**
 * An HTML document navigation: a GET the browser makes for a page (`Sec-Fetch-Dest: document`, or
 * an `Accept` that asks for HTML where Fetch Metadata is absent). Prefetches and prerenders are not
 * visits (the visitor may never see the page; the tracker records it if it is shown).
 */
export function isDocumentRequest(r: LandingRequest): boolean {
  if (r.method !== 'GET') return false;
  const purpose = `${r.header('sec-purpose') ?? ''} ${r.header('purpose') ?? ''} ${r.header('x-purpose') ?? ''}`.toLowerCase();
  if (/prefetch|preview|prerender/.test(purpose)) return false;
  const dest = r.header('sec-fetch-dest');
  if (dest) return dest === 'document';
  return (r.header('accept') ?? '').includes('text/html');
}

export interface LandingFacts {
  readonly url: string;
  readonly referrer: string | undefined;
  readonly userAgent: string;
  readonly ip: string | undefined;
  readonly gpc: boolean;
  readonly consent: ConsentState;
  readonly at: string;
  readonly messageId: string;
  readonly anonymousId: string;
}

/**
 * The landing as a Segment `page` event, as the tracker would send it: `context.page` and the page
 * properties carry the full URL (query and click ids untouched) and the `Referer`; the visitor's
 * user agent and address travel in `context` because the request reaching the collector comes
 * from the site's server. `context.touchline.capture = 'server'` tells it apart from the tracker's
 * page view of the same landing (see README: counting page views).
 */
export function landingEvent(f: LandingFacts): Record<string, unknown> {
  const u = new URL(f.url);
  const page = { url: f.url, path: u.pathname, search: u.search, referrer: f.referrer ?? '' };
  return {
    type: 'page',
    messageId: f.messageId,
    timestamp: f.at,
    anonymousId: f.anonymousId,
    properties: page,
    context: {
      library: { name: SITE_LIBRARY, version: SITE_LIBRARY_VERSION },
      page,
      userAgent: f.userAgent,
      ...(f.ip ? { ip: f.ip } : {}),
      consent: f.consent,
      gpc: f.gpc,
      touchline: { capture: 'server' },
    },
  };
}
