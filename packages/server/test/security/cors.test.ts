/**
 * CORS on both listeners (docs/security.md, "CORS"): admin, collector and tracker endpoint ×
 * the site's own origin, a foreign one and `null` × with and without credentials × preflight and
 * actual request — first as headers checked the way the Fetch standard's CORS check reads them,
 * then in a real Chromium, which is what enforces them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, skipReason } from '../../../tracker/test/support/browser.js';
import { CORS_ALLOWED_HEADERS, corsAnswer } from '../../src/http/cors.js';
import { canonicalOrigin, siteOrigins } from '../../src/http/site-origins.js';
import { startHarness, type Harness } from '../support/harness.js';

const SITE = 'http://www.shop.test';
const PARTNER = 'https://app.partner.test';
const FOREIGN = 'https://evil.test';
const LOOKALIKE = 'https://shop.test.evil.test';
type Headers = Record<string, string | string[] | number | undefined>;

/** The Fetch standard's CORS check: may the page read this answer? */
function corsCheck(h: Headers, origin: string, credentials: boolean): boolean {
  const acao = h['access-control-allow-origin'];
  if (acao === undefined) return false;
  if (!credentials && acao === '*') return true;
  if (acao !== origin) return false;
  return !credentials || h['access-control-allow-credentials'] === 'true';
}

/** …and for a preflight: the method and every non-safelisted header it asked for are allowed. */
function preflightPasses(status: number, h: Headers, origin: string, credentials: boolean, method: string, headers: string[]): boolean {
  if (status < 200 || status > 299 || !corsCheck(h, origin, credentials)) return false;
  const list = (v: Headers[string]) => String(v ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const methods = list(h['access-control-allow-methods']);
  const allowed = list(h['access-control-allow-headers']);
  const wildcard = !credentials && allowed.includes('*');
  return methods.includes(method.toLowerCase()) && headers.every((x) => allowed.includes(x.toLowerCase()) || (wildcard && x.toLowerCase() !== 'authorization'));
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ tracker: { siteDomains: ['shop.test'], touchStore: { engine: 'memory' } }, cors: { allowedOrigins: [PARTNER] } }, { listen: true });
});
afterAll(async () => {
  await h?.dispose();
});

describe('which origins the site trusts', () => {
  const trusted = siteOrigins({ siteDomains: ['shop.test', 'www.shop.co.uk', 'localhost'], allowedOrigins: [PARTNER] });
  it.each([
    ['https://www.shop.test', true],
    ['http://shop.test', true],
    ['https://a.b.shop.test:8443', true],
    ['https://checkout.shop.co.uk', true], // a registrable domain under a two-label public suffix
    ['http://localhost:3000', true],
    [PARTNER, true],
    ['https://other.partner.test', false], // allowedOrigins is exact, not a domain
    ['http://app.partner.test', false], // …scheme included
    [LOOKALIKE, false],
    ['https://evilshop.test', false],
    ['https://www.shop.test.', true], // the same DNS name, fully qualified
    ['HTTPS://WWW.SHOP.TEST', false],
    ['https://www.shop.test/', false],
    ['https://www.shop.test:443', false],
    ['https://user@www.shop.test', false],
    ['https://www.shop.test https://evil.test', false],
    ['https://www.xn--shp-kqa.test', false], // a homograph of shop.test (punycode)
    ['https://co.uk', false], // a public suffix is nobody's site
    ['null', false],
    ['', false],
    ['file://', false],
    ['chrome-extension://abcdefghijklmnop', false],
    ['javascript:alert(1)', false],
  ])('%s → %s', (origin, expected) => {
    expect(trusted.trusts(origin)).toBe(expected);
  });

  it('accepts only origins written as browsers send them in cors.allowedOrigins', () => {
    expect(canonicalOrigin('https://app.example.com')).toBe('https://app.example.com');
    for (const bad of ['https://app.example.com/', 'app.example.com', 'https://App.example.com', 'null', 'https://x.test:443']) expect(canonicalOrigin(bad)).toBeNull();
  });

  it('never gives credentials to a null or foreign origin, whatever the policy', () => {
    for (const policy of ['public', 'site', 'none'] as const) {
      for (const origin of ['null', FOREIGN, LOOKALIKE, undefined]) expect(corsAnswer(policy, origin, trusted)?.credentials ?? false).toBe(false);
    }
    expect(corsAnswer('none', 'https://www.shop.test', trusted)).toBeNull();
  });
});

describe('the matrix, as headers', () => {
  const auth = () => ({ authorization: h.auth });
  const routes = {
    admin: { app: () => h.adminApp, url: '/admin/status', method: 'GET', headers: () => ({ authorization: `Bearer ${h.adminToken}` }), payload: undefined },
    adminSql: { app: () => h.adminApp, url: '/admin/sql', method: 'POST', headers: () => ({ authorization: `Bearer ${h.adminToken}`, 'content-type': 'application/json' }), payload: JSON.stringify({ sql: 'select 1' }) },
    collector: { app: () => h.app, url: '/v1/track', method: 'POST', headers: () => ({ ...auth(), 'content-type': 'application/json' }), payload: JSON.stringify({ anonymousId: 'cors', event: 'CORS' }) },
    tracker: { app: () => h.app, url: '/_t/b', method: 'POST', headers: () => ({ 'content-type': 'text/plain' }), payload: '' },
  } as const;
  const trackerBody = () => JSON.stringify({ writeKey: h.writeKey, batch: [{ type: 'page', anonymousId: 'cors', context: { page: { url: `${SITE}/` } } }] });
  const origins = { site: SITE, partner: PARTNER, foreign: FOREIGN, lookalike: LOOKALIKE, null: 'null' } as const;
  /** Who may read the answer, with and without credentials. */
  const expected = (route: keyof typeof routes, origin: keyof typeof origins, credentials: boolean): boolean => {
    if (route === 'admin' || route === 'adminSql') return false;
    if (origin === 'site' || origin === 'partner') return true;
    return route === 'collector' && !credentials;
  };

  for (const route of Object.keys(routes) as (keyof typeof routes)[]) {
    for (const origin of Object.keys(origins) as (keyof typeof origins)[]) {
      for (const credentials of [false, true]) {
        const o = origins[origin];
        const r = routes[route];
        it(`${route} × ${origin} × ${credentials ? 'with' : 'without'} credentials: preflight and request`, async () => {
          // What a browser's preflight asks for: the non-safelisted headers (the tracker sends none).
          const asked = route === 'tracker' ? [] : Object.keys(r.headers());
          const pre = await r.app().inject({
            method: 'OPTIONS',
            url: r.url,
            headers: { origin: o, 'access-control-request-method': r.method, ...(asked.length ? { 'access-control-request-headers': asked.join(', ') } : {}) },
          });
          const res = await r.app().inject({
            method: r.method,
            url: r.url,
            headers: { origin: o, ...r.headers(), ...(credentials ? { cookie: 'tl_vid=0123456789abcdef0123' } : {}) },
            ...(r.payload === undefined ? {} : { payload: route === 'tracker' ? trackerBody() : r.payload }),
          });
          expect(res.statusCode, res.body).toBeLessThan(300);
          const want = expected(route, origin, credentials);
          expect(corsCheck(res.headers, o, credentials)).toBe(want);
          if (r.method !== 'GET' || asked.length) expect(preflightPasses(pre.statusCode, pre.headers, o, credentials, r.method, asked)).toBe(want);
          if (route === 'admin' || route === 'adminSql') {
            // The admin listener has no preflight routes and sends no CORS header of any kind.
            expect(pre.statusCode).toBe(404);
            for (const x of [pre, res]) expect(Object.keys(x.headers).filter((k) => k.startsWith('access-control-'))).toEqual([]);
          }
          if (origin !== 'site' && origin !== 'partner') {
            for (const x of [pre, res]) {
              expect(x.headers['access-control-allow-credentials']).toBeUndefined();
              expect(x.headers['access-control-allow-origin']).not.toBe(o);
            }
          }
        });
      }
    }
  }

  it('allows the headers SDKs send, from one list, and no others', async () => {
    const pre = await h.app.inject({ method: 'OPTIONS', url: '/v1/batch', headers: { origin: SITE, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization, content-encoding' } });
    expect(pre.headers['access-control-allow-headers']).toBe(CORS_ALLOWED_HEADERS.join(', '));
    expect(preflightPasses(pre.statusCode, pre.headers, SITE, true, 'POST', ['content-type', 'authorization', 'content-encoding'])).toBe(true);
    expect(preflightPasses(pre.statusCode, pre.headers, SITE, true, 'POST', ['x-evil'])).toBe(false);
  });

  it('answers preflights only where a route is: unknown and admin paths are 404 on the public listener, without CORS headers', async () => {
    for (const url of ['/admin/sql', '/admin/status', '/nothing', '/v1/track/extra']) {
      const pre = await h.app.inject({ method: 'OPTIONS', url, headers: { origin: SITE, 'access-control-request-method': 'POST' } });
      expect(pre.statusCode, url).toBe(404);
      expect(pre.headers['access-control-allow-origin'], url).toBeUndefined();
    }
  });

  it('keys caches on Origin wherever the answer depends on it, and not on /healthz', async () => {
    const script = await h.app.inject({ method: 'GET', url: '/_t/s.js', headers: { origin: FOREIGN } });
    expect(script.headers['vary']).toBe('Accept-Encoding, Origin');
    expect(script.headers['access-control-allow-origin']).toBe('*');
    const health = await h.app.inject({ method: 'GET', url: '/healthz', headers: { origin: FOREIGN } });
    expect(health.headers['vary']).toBeUndefined();
    expect(health.headers['access-control-allow-origin']).toBeUndefined();
  });
});

/** A page server: any host name serves a blank page (Chromium maps every name to this machine). */
async function pageServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>page</title>'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

describe.skipIf(skipReason)('the matrix, in Chromium', () => {
  let browser: Browser;
  let pages: { server: Server; port: number };
  let page: Page;
  beforeAll(async () => {
    browser = await launchChromium();
    pages = await pageServer();
    page = await (await browser.newContext()).newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => pages?.server.close(r));
  });

  /** A frame on `origin`'s host; `null`: a sandboxed frame inside the site's page (its origin is opaque). */
  async function frameOn(origin: 'site' | 'foreign' | 'null'): Promise<Frame> {
    const host = origin === 'foreign' ? 'evil.test' : 'www.shop.test';
    await page.goto(`http://${host}:${pages.port}/`);
    if (origin !== 'null') return page.mainFrame();
    await page.setContent('<iframe sandbox="allow-scripts" srcdoc="<title>sandboxed</title>"></iframe>');
    const frame = page.frames().find((f) => f !== page.mainFrame());
    if (!frame) throw new Error('no sandboxed frame');
    await frame.waitForLoadState();
    expect(await frame.evaluate(() => self.origin)).toBe('null');
    return frame;
  }

  /** What `fetch` in the frame gets: the status it could read, or `blocked` when CORS hid the answer. */
  const call = (frame: Frame, req: { url: string; credentials: 'include' | 'omit'; headers: Record<string, string>; body?: string; method: string }) =>
    frame.evaluate(async (r) => {
      try {
        const res = await fetch(r.url, { method: r.method, credentials: r.credentials, headers: r.headers, ...(r.body === undefined ? {} : { body: r.body }) });
        return String(res.status);
      } catch {
        return 'blocked';
      }
    }, req);

  const collector = () => `http://collect.shop.test:${new URL(h.url).port}`;
  const admin = () => `http://admin.shop.test:${new URL(h.adminUrl).port}`;
  const cases = (): Record<string, { method: string; url: string; headers: Record<string, string>; body?: string; readable: (o: string, c: boolean) => boolean }> => ({
    // application/json + Authorization: the browser sends a preflight first
    'collector, preflighted': {
      method: 'POST', url: `${collector()}/v1/track`, headers: { 'content-type': 'application/json', authorization: h.auth },
      body: JSON.stringify({ anonymousId: 'chromium', event: 'CORS' }), readable: (o, c) => o === 'site' || !c,
    },
    // text/plain with the key in the body: a simple request, no preflight (how the tracker and beacons send)
    'collector, simple': {
      method: 'POST', url: `${collector()}/v1/track`, headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ writeKey: h.writeKey, anonymousId: 'chromium', event: 'CORS' }), readable: (o, c) => o === 'site' || !c,
    },
    'tracker endpoint, simple': {
      method: 'POST', url: `${collector()}/_t/b`, headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ writeKey: h.writeKey, batch: [{ type: 'page', anonymousId: 'chromium', context: { page: { url: 'http://www.shop.test/' } } }] }),
      readable: (o) => o === 'site',
    },
    'admin, with the token': { method: 'GET', url: `${admin()}/admin/status`, headers: { authorization: `Bearer ${h.adminToken}` }, readable: () => false },
    'admin, simple': { method: 'POST', url: `${admin()}/admin/sql`, headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ sql: 'select 1' }), readable: () => false },
  });

  for (const origin of ['site', 'foreign', 'null'] as const) {
    it(`from a ${origin} page`, async () => {
      const frame = await frameOn(origin);
      const got: Record<string, string> = {};
      const want: Record<string, string> = {};
      for (const [name, { readable, ...c }] of Object.entries(cases())) {
        for (const credentials of ['omit', 'include'] as const) {
          const key = `${name} × ${credentials}`;
          got[key] = await call(frame, { ...c, credentials });
          want[key] = readable(origin, credentials === 'include') ? '200' : 'blocked';
        }
      }
      expect(got).toEqual(want);
    });
  }
});
