/**
 * A customer's site for end-to-end tests, as it runs in production: its pages on `www.shop.test`,
 * and its edge forwarding `/_t/*` and `/v1/*` to the real Touchline collector (a reverse proxy on
 * the same host, so the collector's cookie is first-party and same-IP: browser-realities §1.3).
 * Pages can run the `@touchline/site` helper (Express-style middleware) before they render.
 * Implements the tracker harness's `Site`, so `arriveFrom` and `wipeScriptStorage` work on it.
 */
import { createServer, request as httpRequest, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SiteHelper } from '@touchline/site';
import { sitePage, type Site } from '../../../../tracker/test/support/browser.js';

export interface ShopOptions {
  /** Where the collector listens (`http://127.0.0.1:<port>`). */
  collector: string;
  host?: string;
  /** More hosts of the same site (`app.shop.test`), served the same way, `/_t/*` included. */
  moreHosts?: readonly string[];
  /** Serve https (the edge terminates TLS and tells the collector `X-Forwarded-Proto: https`). */
  tls?: { key: string; cert: string };
}

export interface Shop extends Site {
  /** Runs on every shop page before it renders (the site's own middleware), or none. */
  setHelper(helper: SiteHelper | undefined): void;
}

/** Forwards a request to the collector as an edge would: same method, path, headers (Host kept), body. */
function proxy(target: URL, req: IncomingMessage, res: ServerResponse, tls: boolean): void {
  const headers = { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '', 'x-forwarded-proto': tls ? 'https' : 'http' };
  const up = httpRequest(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
    (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    },
  );
  up.on('error', (e) => res.writeHead(502).end(String(e)));
  req.pipe(up);
}

export async function serveShop(opts: ShopOptions): Promise<Shop> {
  const shop = opts.host ?? 'www.shop.test';
  const collector = new URL(opts.collector);
  let page: (url: URL) => string = () => sitePage();
  let helper: SiteHelper | undefined;
  const scheme = opts.tls ? 'https' : 'http';
  const listener: RequestListener = (req, res) => {
    const url = new URL(req.url ?? '/', `${scheme}://${req.headers.host}`);
    if (url.hostname !== shop && !opts.moreHosts?.includes(url.hostname)) {
      const to = url.searchParams.get('to') ?? '/';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return void res.end(`<!doctype html><title>${url.hostname}</title><a id="go" href="${to.replace(/"/g, '&quot;')}">go</a>`);
    }
    if (/^\/(_t|v1)\//.test(url.pathname)) return proxy(collector, req, res, Boolean(opts.tls));
    req.resume();
    if (url.pathname === '/favicon.ico') return void res.writeHead(404).end();
    if (url.pathname === '/__blank') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return void res.end('<!doctype html><title>no tracker</title>');
    }
    const render = () => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.setHeader('cache-control', 'no-store');
      res.end(page(url));
    };
    if (helper) helper.node(req, res, render);
    else render();
  };
  const server = opts.tls ? createHttpsServer(opts.tls, listener) : createServer(listener);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const url = (path: string, host = shop) => `${scheme}://${host}:${port}${path}`;
  return {
    port,
    url,
    linkFrom: (host, to) => url(`/link?to=${encodeURIComponent(to)}`, host),
    setPage: (p) => void (page = p),
    setScriptDelay: () => {
      throw new Error('the collector serves the script: no delay here');
    },
    setHelper: (h) => void (helper = h),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
