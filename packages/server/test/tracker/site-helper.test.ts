/**
 * The site helper (@touchline/site) in the three shapes a site's server takes: Express-style
 * `(req, res, next)` on node:http, a real fastify app, and a fetch-style handler (Next.js
 * middleware, Hono, Bun). Landings go to a real collector in process; rows are checked.
 */
import Fastify from 'fastify';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLandingDelivery, createSiteHelper, cookieDomain, expiredVisitorCookie, readVisitorId, visitorCookie, type SiteHelperOptions, type Transport } from '@touchline/site';
import { inProcessTransport } from '../../src/index.js';
import { startHarness, type Harness } from '../support/harness.js';

const UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const DOC = { 'user-agent': UA, accept: 'text/html,application/xhtml+xml', 'sec-fetch-dest': 'document' };
let h: Harness;
let n = 0;
const ids = () => `visitor-${String(++n).padStart(12, '0')}`;
const helper = (o: Partial<SiteHelperOptions> = {}) => createSiteHelper({ writeKey: h.writeKey, transport: inProcessTransport(h.app), newId: ids, ...o });
const rowsOf = (id: string) => h.sql(`select type, library_name, url, referrer_domain, gclid, first_click_id, first_utm_source, user_agent, gpc, ip, is_bot from events where anonymous_id = '${id}'`);

beforeAll(async () => {
  h = await startHarness({ ip: { truncate: 'none' }, tracker: { touchStore: { engine: 'memory' } } });
});
afterAll(async () => {
  await h?.dispose();
});

describe('Express-style (req, res, next) on node:http', () => {
  let server: Server;
  let base: string;
  const site = () => helper({ trustProxy: true });
  let s: ReturnType<typeof site>;
  beforeAll(async () => {
    s = site();
    server = createServer((req, res) =>
      s.node(req, res, () => {
        res.setHeader('content-type', 'text/html');
        res.end('<h1>shop</h1>');
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('sets the visitor cookie on the HTML response and records the landing touch', async () => {
    const res = await fetch(`${base}/shoes?utm_source=google&utm_medium=cpc&gclid=Cj0_AbC-123.x`, {
      // behind the site's proxy (trustProxy): Node's fetch sets Host itself
      headers: { ...DOC, 'x-forwarded-host': 'www.shop.co.uk', referer: 'https://www.google.com/', 'sec-gpc': '1', 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('<h1>shop</h1>');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^tl_vid=visitor-\d{12}; Max-Age=31536000; Domain=shop\.co\.uk; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    const id = readVisitorId(cookie)!;
    await s.flush();
    expect(await rowsOf(id)).toEqual([
      { type: 'page', library_name: '@touchline/site', url: 'https://www.shop.co.uk/shoes?utm_source=google&utm_medium=cpc&gclid=Cj0_AbC-123.x', referrer_domain: 'google.com', gclid: 'Cj0_AbC-123.x', first_click_id: 'Cj0_AbC-123.x', first_utm_source: 'google', user_agent: UA, gpc: true, ip: '203.0.113.9', is_bot: false },
    ]);
    expect((await h.touchStore!.get(id))?.first?.click_id).toBe('Cj0_AbC-123.x');
  });

  it('keeps an existing visitor id (slides it) and keeps other Set-Cookie headers', async () => {
    const inner = helper();
    const srv = createServer((req, res) => {
      res.setHeader('set-cookie', 'session=abc; Path=/');
      inner.node(req, res, () => res.end('ok'));
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(srv.address() as AddressInfo).port}/`, { headers: { ...DOC, cookie: 'tl_vid=known-visitor-0001' } });
      expect(res.headers.getSetCookie()).toEqual(['session=abc; Path=/', 'tl_vid=known-visitor-0001; Max-Age=31536000; Path=/; HttpOnly; SameSite=Lax']);
      await inner.flush();
      expect(await rowsOf('known-visitor-0001')).toHaveLength(1);
    } finally {
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });

  it('leaves bots, non-documents, prefetches and the collector paths alone', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ ...DOC, 'user-agent': 'WhatsApp/2.23.20.0 A' }, '/?gclid=preview'],
      [{ ...DOC, 'user-agent': 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)' }, '/?fbclid=preview'],
      [{ 'user-agent': UA, accept: 'image/avif', 'sec-fetch-dest': 'image' }, '/logo.png'],
      [{ 'user-agent': UA, accept: '*/*' }, '/api/cart'],
      [{ ...DOC, 'sec-purpose': 'prefetch;prerender' }, '/next'],
      [DOC, '/_t/s.js'],
      [{ accept: 'text/html' }, '/no-agent'],
    ];
    for (const [headers, path] of cases) {
      const res = await fetch(`${base}${path}`, { headers });
      expect(res.headers.get('set-cookie'), `${path} ${JSON.stringify(headers)}`).toBeNull();
    }
    await s.flush();
    expect(await h.sql(`select count(*)::int as n from events where url like '%preview%' or url like '%/next%'`)).toEqual([{ n: 0 }]);
  });
});

describe('fastify onRequest hook', () => {
  it('sets the cookie and records the landing from request.protocol / hostname', async () => {
    const s = helper();
    const app = Fastify();
    app.addHook('onRequest', s.fastify);
    app.get('/*', async (_req, reply) => reply.type('text/html').send('<p>page</p>'));
    const res = await app.inject({ method: 'GET', url: '/promo?utm_source=newsletter&utm_medium=email', headers: { ...DOC, host: 'shop.example.com', referer: 'https://mail.example.net/' } });
    expect(res.statusCode).toBe(200);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/; Domain=example\.com; Path=\/; HttpOnly; SameSite=Lax$/);
    await s.flush();
    expect(await rowsOf(readVisitorId(cookie)!)).toMatchObject([{ url: 'http://shop.example.com/promo?utm_source=newsletter&utm_medium=email', first_utm_source: 'newsletter', referrer_domain: 'mail.example.net' }]);
    await app.close();
  });
});

describe('fetch-style handlers (Next.js middleware, Hono, Bun)', () => {
  it('adds the cookie to the handler’s Response, also when its headers are immutable', async () => {
    const s = helper();
    const handler = s.wrap(async () => Response.redirect('https://www.shop.test/home', 302)); // immutable headers
    const res = await handler(new Request('https://www.shop.test/?utm_source=tiktok&ttclid=E.C.P.abc', { headers: DOC }));
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://www.shop.test/home');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/; Domain=shop\.test; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    const next = s.fetch(new Request('https://www.shop.test/next', { headers: { ...DOC, cookie: cookie.split(';')[0]! } }), new Response('ok'));
    expect(next.headers.get('set-cookie')).toBe(cookie); // the same id, slid
    await s.flush();
    const rows = await rowsOf(readVisitorId(cookie)!);
    expect(rows.map((r) => r['first_click_id'])).toEqual(['E.C.P.abc', 'E.C.P.abc']);
  });
});

describe('consent', () => {
  it('with requireConsent, nothing is set or sent until the consent callback grants analytics_storage', async () => {
    let granted = false;
    const s = helper({ requireConsent: true, consent: () => (granted ? { analytics_storage: true, ad_storage: false } : undefined) });
    const req = (cookie?: string) => new Request('https://www.shop.test/?utm_source=x', { headers: { ...DOC, ...(cookie ? { cookie } : {}) } });
    expect(s.capture({ method: 'GET', url: 'https://www.shop.test/?utm_source=x', header: (k) => req().headers.get(k), secure: true })).toEqual({ recorded: false, skipped: 'no-consent' });
    expect(s.fetch(req(), new Response('')).headers.get('set-cookie')).toBeNull();
    granted = true;
    const c = s.fetch(req(), new Response('')).headers.get('set-cookie')!;
    await s.flush();
    const [row] = await h.sql(`select consent from events where anonymous_id = '${readVisitorId(c)}'`);
    expect(JSON.parse(String(row!['consent']))).toEqual({ analytics_storage: true, ad_storage: false });
  });

  it('a consent platform that records a withdrawal expires the visitor cookie', async () => {
    const s = helper({ consent: () => ({ analytics_storage: false }) });
    const res = s.fetch(new Request('https://www.shop.test/', { headers: { ...DOC, cookie: 'tl_vid=known-visitor-0002' } }), new Response(''));
    expect(res.headers.get('set-cookie')).toBe('tl_vid=; Max-Age=0; Domain=shop.test; Path=/; HttpOnly; Secure; SameSite=Lax');
  });
});

describe('delivery never slows the page', () => {
  it('answers at once while the collector hangs, and bounds the queue (oldest dropped)', async () => {
    let release!: () => void;
    const hang = new Promise<void>((r) => (release = r));
    const sent: string[] = [];
    const transport: Transport = async (r) => {
      await hang;
      sent.push(JSON.parse(r.body).batch[0].properties.url);
      return { status: 200 };
    };
    const errors: string[] = [];
    const s = helper({ transport, maxQueue: 3, concurrency: 1, onError: (e) => errors.push(e) });
    const t0 = performance.now();
    for (let i = 0; i < 6; i++) s.fetch(new Request(`https://www.shop.test/p${i}`, { headers: DOC }), new Response(''));
    expect(performance.now() - t0).toBeLessThan(50);
    expect(s.stats()).toMatchObject({ inFlight: 1, queued: 3, dropped: 2 });
    expect(errors).toHaveLength(2);
    release();
    await s.flush();
    expect(sent).toEqual(['https://www.shop.test/p0', 'https://www.shop.test/p3', 'https://www.shop.test/p4', 'https://www.shop.test/p5']);
    expect(s.stats()).toMatchObject({ sent: 4, queued: 0, inFlight: 0 });
  });

  it('retries network errors and 5xx, gives up on 4xx', async () => {
    const answers = [0, 503, 200, 400];
    const d = createLandingDelivery({ transport: async () => { const a = answers.shift()!; if (a === 0) throw new Error('ECONNREFUSED'); return { status: a }; }, retries: 2 });
    d.enqueue({ body: '{}', headers: {} });
    await d.flush();
    expect(d.stats()).toMatchObject({ sent: 1, failed: 0 });
    d.enqueue({ body: '{}', headers: {} });
    await d.flush();
    expect(d.stats()).toMatchObject({ sent: 1, failed: 1 });
  }, 10_000);
});

describe('visitor cookie (unit)', () => {
  it('Domain from the PSL; host-only for IPs, localhost, public suffixes; explicit domains only when they contain the host', () => {
    expect(cookieDomain('www.shop.co.uk')).toBe('shop.co.uk');
    expect(cookieDomain('me.github.io')).toBe('me.github.io');
    expect(cookieDomain('www.me.github.io:443')).toBe('me.github.io');
    expect(cookieDomain('co.uk')).toBeUndefined();
    expect(cookieDomain('github.io')).toBeUndefined();
    expect(cookieDomain('localhost:8080')).toBeUndefined();
    expect(cookieDomain('10.0.0.7')).toBeUndefined();
    expect(cookieDomain('[2001:db8::1]:8080')).toBeUndefined();
    expect(cookieDomain('www.shop.test', 'host')).toBeUndefined();
    expect(cookieDomain('app.shop.test', 'shop.test')).toBe('shop.test');
    expect(cookieDomain('www.other.test', 'shop.test')).toBeUndefined();
  });

  it('caps Max-Age at 400 days; expiry keeps the scope', () => {
    expect(visitorCookie('abcdefghijklmnop', { host: 'a.b.example', secure: true }, { maxAgeDays: 1000 })).toBe('tl_vid=abcdefghijklmnop; Max-Age=34560000; Domain=b.example; Path=/; HttpOnly; Secure; SameSite=Lax');
    expect(expiredVisitorCookie({ host: 'localhost', secure: false })).toBe('tl_vid=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax');
    expect(() => createSiteHelper({ writeKey: 'k', transport: async () => ({ status: 200 }), cookie: { maxAgeDays: 401 } })).toThrow(/400 days/);
  });

  it('reads only well-formed ids', () => {
    expect(readVisitorId('a=1; tl_vid=0b8f6a52-4a8e-4d3b-9a52-0e7c1f2d3a4b; b=2')).toBe('0b8f6a52-4a8e-4d3b-9a52-0e7c1f2d3a4b');
    expect(readVisitorId('tl_vid=short')).toBeUndefined();
    expect(readVisitorId('tl_vid=<script>alert(1)</script>')).toBeUndefined();
    expect(readVisitorId('xtl_vid=0b8f6a52-4a8e-4d3b-9a52-0e7c1f2d3a4b')).toBeUndefined();
  });
});
