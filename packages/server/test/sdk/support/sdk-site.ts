/**
 * A customer's site running a vendor's browser SDK against Touchline, for end-to-end tests in a
 * real Chromium: the shop's pages and the SDK's own bundle (from npm, byte for byte) on
 * `www.shop.test`, and the collector on another origin of the same site, `collect.shop.test`,
 * behind an edge that forwards every request unchanged (Host included) and records it — so a
 * test can say which paths and headers each SDK mode really used — and that can fail a chosen
 * request once, to make an SDK retry.
 */
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** analytics.js as Segment's snippet loads it (`analytics.min.js` is this standalone build). */
export const SEGMENT_STANDALONE = readFileSync(join(dirname(require.resolve('@segment/analytics-next/package.json')), 'dist/umd/standalone.js'), 'utf8');
/** RudderStack's v3 SDK with its plugins bundled in (`@rudderstack/analytics-js/bundled`), as UMD. */
export const RUDDERSTACK_BUNDLED = readFileSync(join(dirname(require.resolve('@rudderstack/analytics-js')), '../bundled/umd/index.js'), 'utf8');

/** Amplitude's browser SDK as its CDN serves it (`amplitude-min.umd.js`: the `amplitude` global). */
export const AMPLITUDE_UMD = readFileSync(join(dirname(require.resolve('@amplitude/analytics-browser/package.json')), 'lib/scripts/amplitude-min.umd.js'), 'utf8');

/** posthog-js as its snippet loads it, with its extensions inside (`array.full.js`: the `posthog` global). */
export const POSTHOG_ARRAY = readFileSync(join(dirname(require.resolve('posthog-js/package.json')), 'dist/array.full.js'), 'utf8');

/** Snowplow's browser tracker, its UMD build (the `snowplowBrowserTracking` global). */
export const SNOWPLOW_UMD = readFileSync(join(dirname(require.resolve('@snowplow/browser-tracker/package.json')), 'dist/index.umd.js'), 'utf8');

export interface EdgeRequest {
  readonly method: string;
  /** Path and query, as the browser sent them. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly status: number;
}

export interface Edge {
  /** `http://collect.shop.test:<port>`: what the SDK is pointed at. */
  readonly origin: string;
  readonly requests: EdgeRequest[];
  /** Answers the next non-preflight request whose path matches with 503, once. */
  failOnce(path: RegExp): void;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });
}

/** The collector's edge on `collect.shop.test`, forwarding to `collector` (`http://127.0.0.1:<port>`). */
export async function serveCollectorEdge(collector: string): Promise<Edge> {
  const target = new URL(collector);
  const requests: EdgeRequest[] = [];
  const failures: RegExp[] = [];
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const record = (status: number) => requests.push({ method: req.method ?? '', url, headers: req.headers, status });
    const failure = req.method !== 'OPTIONS' ? failures.findIndex((f) => f.test(url.split('?')[0]!)) : -1;
    if (failure >= 0) {
      failures.splice(failure, 1);
      record(503);
      // what a collector behind a load balancer answers while it restarts, readable cross-origin
      // (answered once the body is read: an early answer reads as a network error to the browser)
      const origin = req.headers.origin;
      req.resume();
      req.on('end', () => {
        res.writeHead(503, { 'content-type': 'application/json', ...(origin ? { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true' } : {}) });
        res.end('{"success":false,"error":"unavailable"}');
      });
      return;
    }
    const up = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: url, headers: req.headers }, (r) => {
      record(r.statusCode ?? 502);
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', (e) => {
      record(502);
      res.writeHead(502).end(String(e));
    });
    req.pipe(up);
  });
  const port = await listen(server);
  return {
    origin: `http://collect.shop.test:${port}`,
    requests,
    failOnce: (path) => void failures.push(path),
    close: () => closeServer(server),
  };
}

export interface SdkShop {
  /** `http://<host>:<port><path>`; host defaults to `www.shop.test`. */
  url(path: string, host?: string): string;
  /** A page on `host` whose link `#go` points at `to` (clicking it sets the referrer). */
  linkFrom(host: string, to: string): string;
  /** The HTML of every shop page from now on. */
  setPage(page: (url: URL) => string): void;
  close(): Promise<void>;
}

/**
 * The shop: its pages, analytics.js at the path Segment's snippet loads it from
 * (`/analytics.js/v1/<writeKey>/analytics.min.js`), RudderStack's bundle at `/rsa.js`,
 * Amplitude's at `/amplitude.js`, posthog-js at `/posthog.js`, Snowplow's browser tracker at `/snowplow.js`.
 */
export async function serveSdkShop(): Promise<SdkShop> {
  const shop = 'www.shop.test';
  let page: (url: URL) => string = () => '<!doctype html><title>Shop</title>';
  const server = createServer((req, res) => {
    req.resume();
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const send = (type: string, body: string) => {
      res.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (url.hostname !== shop) {
      const to = url.searchParams.get('to') ?? '/';
      return send('text/html', `<!doctype html><title>${url.hostname}</title><a id="go" href="${to.replace(/"/g, '&quot;')}">go</a>`);
    }
    if (/^\/analytics\.js\/v1\/[^/]+\/analytics\.min\.js$/.test(url.pathname)) return send('text/javascript', SEGMENT_STANDALONE);
    if (url.pathname === '/rsa.js') return send('text/javascript', RUDDERSTACK_BUNDLED);
    if (url.pathname === '/amplitude.js') return send('text/javascript', AMPLITUDE_UMD);
    if (url.pathname === '/posthog.js') return send('text/javascript', POSTHOG_ARRAY);
    if (url.pathname === '/snowplow.js') return send('text/javascript', SNOWPLOW_UMD);
    if (url.pathname === '/favicon.ico') return void res.writeHead(404).end();
    send('text/html', page(url));
  });
  const port = await listen(server);
  const url = (path: string, host = shop) => `http://${host}:${port}${path}`;
  return {
    url,
    linkFrom: (host, to) => url(`/link?to=${encodeURIComponent(to)}`, host),
    setPage: (p) => void (page = p),
    close: () => closeServer(server),
  };
}

/**
 * Segment's analytics.js snippet (5.2.x, as the Segment app prints it) set up for a custom
 * proxy the way Segment documents it: the script from `scriptBase` instead of
 * cdn.segment.com, `analytics._cdn` naming where the settings come from, and `loadOptions`
 * (e.g. `integrations['Segment.io'].apiHost`) passed to `load`. Ends with `analytics.page()`.
 */
export function segmentSnippet(opts: { writeKey: string; scriptBase: string; cdn: string; loadOptions: object }): string {
  const key = JSON.stringify(opts.writeKey);
  return `!function(){var i="analytics",analytics=window[i]=window[i]||[];if(!analytics.initialize)if(analytics.invoked)window.console&&console.error&&console.error("Segment snippet included twice.");else{analytics.invoked=!0;analytics.methods=["trackSubmit","trackClick","trackLink","trackForm","pageview","identify","reset","group","track","ready","alias","debug","page","screen","once","off","on","addSourceMiddleware","addIntegrationMiddleware","setAnonymousId","addDestinationMiddleware","register"];analytics.factory=function(e){return function(){if(window[i].initialized)return window[i][e].apply(window[i],arguments);var n=Array.prototype.slice.call(arguments);if(["track","screen","alias","group","page","identify"].indexOf(e)>-1){var c=document.querySelector("link[rel='canonical']");n.push({__t:"bpc",c:c&&c.getAttribute("href")||void 0,p:location.pathname,u:location.href,s:location.search,t:document.title,r:document.referrer})}n.unshift(e);analytics.push(n);return analytics}};for(var n=0;n<analytics.methods.length;n++){var key=analytics.methods[n];analytics[key]=analytics.factory(key)}analytics.load=function(key,n){var t=document.createElement("script");t.type="text/javascript";t.async=!0;t.setAttribute("data-global-segment-analytics-key",i);t.src=${JSON.stringify(opts.scriptBase + '/analytics.js/v1/')}+key+"/analytics.min.js";var r=document.getElementsByTagName("script")[0];r.parentNode.insertBefore(t,r);analytics._loadOptions=n};analytics._writeKey=${key};analytics._cdn=${JSON.stringify(opts.cdn)};analytics.SNIPPET_VERSION="5.2.1";
analytics.load(${key},${JSON.stringify(opts.loadOptions)});
analytics.page();
}}();`;
}

/**
 * RudderStack's v3 SDK installed from npm (the bundled build), loaded as its docs say for a
 * self-hosted data plane and control plane: `load(writeKey, dataPlaneUrl, { configUrl, … })`,
 * then `page()`.
 */
export function rudderStackScript(opts: { writeKey: string; dataPlaneUrl: string; loadOptions: object }): string {
  return `window.rudder = new rudderanalytics.RudderAnalytics();
rudder.load(${JSON.stringify(opts.writeKey)}, ${JSON.stringify(opts.dataPlaneUrl)}, ${JSON.stringify({ configUrl: opts.dataPlaneUrl, ...opts.loadOptions })});
rudder.page();`;
}
