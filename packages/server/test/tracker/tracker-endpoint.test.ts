/**
 * The collector's tracker endpoint and script, in process (fastify inject): the visitor cookie it
 * issues, the identity and touches it stamps, and what lands in the warehouse.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SITE_DOMAIN_TOKEN } from '@touchline/tracker/snippet';
import { startHarness, type Harness } from '../support/harness.js';

const CHROME = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
const GCLID = 'Cj0KCQjw-AbC_dEf.123-XyZ_BwE';
let h: Harness;
let n = 0;

interface Sent {
  statusCode: number;
  json(): Record<string, any>;
  headers: Record<string, unknown>;
  cookies: { name: string; value: string; [k: string]: unknown }[];
}

/** A tracker batch, as the script sends it: text/plain, writeKey in the body, cookies if any. */
function send(events: Record<string, unknown>[], o: { cookie?: string; host?: string; ua?: string; headers?: Record<string, string>; h?: Harness } = {}): Promise<Sent> {
  const hh = o.h ?? h;
  return hh.app.inject({
    method: 'POST',
    url: '/_t/b',
    headers: {
      'content-type': 'text/plain;charset=UTF-8',
      host: o.host ?? 'www.shop.test',
      'user-agent': o.ua ?? CHROME,
      ...(o.cookie ? { cookie: o.cookie } : {}),
      ...o.headers,
    },
    payload: JSON.stringify({ batch: events, sentAt: new Date().toISOString(), writeKey: hh.writeKey }),
  }) as unknown as Promise<Sent>;
}

const pageView = (url: string, referrer = '', extra: Record<string, unknown> = {}) => ({
  type: 'page',
  messageId: `m-${++n}`,
  timestamp: new Date().toISOString(),
  anonymousId: 'browser-made-id',
  properties: { url },
  context: { page: { url, referrer }, consent: { analytics_storage: true }, ...extra },
});
const setCookie = (r: Sent) => r.headers['set-cookie'] as string | undefined;
const vid = (r: Sent) => /tl_vid=([^;]*)/.exec(setCookie(r) ?? '')?.[1];
/** A visitor id the server issued: a random UUID (tracker-batch.ts's `newId`). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

beforeAll(async () => {
  h = await startHarness({ tracker: { touchStore: { engine: 'memory' } } });
});
afterAll(async () => {
  await h?.dispose();
});

describe('the script', () => {
  const built = readFileSync(createRequire(import.meta.url).resolve('@touchline/tracker/s.js'));

  it('is the built tracker, with an ETag, a max-age and gzip', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/_t/s.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(r.statusCode).toBe(200);
    expect(r.headers).toMatchObject({
      'content-type': 'text/javascript; charset=utf-8',
      'content-encoding': 'gzip',
      'cache-control': 'public, max-age=3600, stale-while-revalidate=86400',
      // CORS answers differ by Origin (docs/security.md): caches key on both.
      vary: 'Accept-Encoding, Origin',
    });
    expect(gunzipSync(r.rawPayload).equals(built)).toBe(true);
    const plain = await h.app.inject({ method: 'GET', url: '/_t/s.js' });
    expect(plain.rawPayload.equals(built)).toBe(true);
    expect(plain.headers['etag']).toBe(r.headers['etag']);
    expect(plain.headers['etag']).toMatch(/^"[\w-]{22}"$/);
  });

  it('answers 304 to a matching If-None-Match (weak or in a list), 200 to a stale one', async () => {
    const etag = String((await h.app.inject({ method: 'GET', url: '/_t/s.js' })).headers['etag']);
    for (const inm of [etag, `W/${etag}`, `"old", ${etag}`]) {
      const r = await h.app.inject({ method: 'GET', url: '/_t/s.js', headers: { 'if-none-match': inm } });
      expect(r.statusCode, inm).toBe(304);
      expect(r.rawPayload.length).toBe(0);
      expect(r.headers['etag']).toBe(etag);
    }
    expect((await h.app.inject({ method: 'GET', url: '/_t/s.js', headers: { 'if-none-match': '"old"' } })).statusCode).toBe(200);
  });

  it('carries the registrable domain of the host it is served on, for the tracker to call every host of the site internal', async () => {
    const token = JSON.stringify(SITE_DOMAIN_TOKEN);
    expect(built.toString().split(token)).toHaveLength(2);
    const served = async (host: string) => {
      const r = await h.app.inject({ method: 'GET', url: '/_t/s.js', headers: { host, 'accept-encoding': 'gzip' } });
      expect(r.statusCode, host).toBe(200);
      return { text: gunzipSync(r.rawPayload).toString(), etag: String(r.headers['etag']) };
    };
    const www = await served('www.shop.test');
    expect(www.text).toBe(built.toString().replace(token, '"shop.test"'));
    expect((await served('app.shop.test:8443')).text).toBe(www.text);
    expect((await served('www.shop.co.uk')).text).toBe(built.toString().replace(token, '"shop.co.uk"'));
    expect((await served('me.github.io')).text).toBe(built.toString().replace(token, '"me.github.io"'));
    // no registrable domain: the build as it is (the tracker falls back to the page's host)
    for (const host of ['127.0.0.1:8080', 'localhost:3000', 'github.io']) expect((await served(host)).text, host).toBe(built.toString());
    // each site's copy has its own ETag, and revalidates against it
    expect(www.etag).not.toBe((await served('www.shop.co.uk')).etag);
    const again = await h.app.inject({ method: 'GET', url: '/_t/s.js', headers: { host: 'www.shop.test', 'if-none-match': www.etag } });
    expect(again.statusCode).toBe(304);
  });

  it('writes nothing but a plain domain name from a hostile Host header into the script', async () => {
    const text = built.toString();
    const token = JSON.stringify(SITE_DOMAIN_TOKEN);
    const [before, after] = text.split(token) as [string, string];
    for (const host of ['evil.test"+alert(1)+"', 'x.test</script><script>alert(1)//', "shop.test';alert(1)//", 'a b.test', '%22.test', 'WWW.SHOP.TEST\\u0022"', 'xn--80ak6aa92e.com\\', '[::1]"']) {
      const r = await h.app.inject({ method: 'GET', url: '/_t/s.js', headers: { host } });
      expect(r.statusCode, host).toBe(200);
      const served = r.rawPayload.toString();
      expect(served.startsWith(before) && served.endsWith(after), host).toBe(true);
      // the build as it is, or one JSON string of [a-z0-9.-] in the token's place
      expect(served.slice(before.length, served.length - after.length), host).toMatch(/^"(__tl_site__|[a-z0-9.-]+)"$/);
    }
  });

  it('refuses paths that ad blockers list', async () => {
    for (const scriptPath of ['/js/analytics.js', '/tracker.js', '/collect.js']) {
      await expect(startHarness({ tracker: { scriptPath } })).rejects.toThrow(/tracker.scriptPath must not contain a word ad blockers list/);
    }
    await expect(startHarness({ tracker: { endpointPath: '/api/track' } })).rejects.toThrow(/tracker.endpointPath/);
  });
});

describe('the visitor cookie', () => {
  it('is issued on the first batch: HttpOnly, SameSite=Lax, Path=/, the registrable domain, 365 days', async () => {
    const r = await send([pageView('http://www.shop.test/')]);
    expect(r.statusCode, JSON.stringify(r.json())).toBe(200);
    expect(setCookie(r)).toMatch(/^tl_vid=[0-9a-f-]{36}; Max-Age=31536000; Domain=shop\.test; Path=\/; HttpOnly; SameSite=Lax$/);
    expect(r.json()).toMatchObject({ success: true, accepted: 1, anonymousId: vid(r) });
    expect(r.headers['cache-control']).toBe('no-store');
  });

  it('takes its Domain from the Public Suffix List (co.uk, private suffixes such as github.io), host-only for localhost and IPs', async () => {
    const cases: [string, string | undefined][] = [
      ['www.shop.co.uk', 'shop.co.uk'],
      ['shop.co.uk', 'shop.co.uk'],
      ['me.github.io', 'me.github.io'],
      ['www.me.github.io', 'me.github.io'],
      ['blog.example.com:8443', 'example.com'],
      ['localhost:3000', undefined],
      ['app.localhost', undefined],
      ['127.0.0.1:8080', undefined],
      ['[::1]:8080', undefined],
      ['github.io', undefined],
    ];
    for (const [host, domain] of cases) {
      const c = setCookie(await send([pageView(`http://${host}/`)], { host }));
      expect(c, host).toBeDefined();
      expect(/Domain=([^;]+)/.exec(c!)?.[1], host).toBe(domain);
    }
  });

  it('is Secure over https: X-Forwarded-Proto counts only from a trusted proxy', async () => {
    const https = { 'x-forwarded-proto': 'https' };
    expect(setCookie(await send([pageView('https://www.shop.test/')], { headers: https }))).not.toMatch(/Secure/);
    const behindProxy = await startHarness({ ip: { trustProxy: true }, tracker: { touchStore: { engine: 'memory' } } });
    try {
      expect(setCookie(await send([pageView('https://www.shop.test/')], { headers: https, h: behindProxy }))).toMatch(/; HttpOnly; Secure; SameSite=Lax$/);
      expect(setCookie(await send([pageView('http://www.shop.test/')], { h: behindProxy }))).not.toMatch(/Secure/);
    } finally {
      await behindProxy.dispose();
    }
  });

  it('is slid on every visit (same id, full Max-Age again) and overrides the id the browser sent', async () => {
    const first = await send([pageView('http://www.shop.test/')]);
    const id = vid(first)!;
    const again = await send([pageView('http://www.shop.test/two')], { cookie: `other=1; tl_vid=${id}` });
    expect(vid(again)).toBe(id);
    expect(setCookie(again)).toMatch(/Max-Age=31536000/);
    expect(again.json().anonymousId).toBe(id);
    const ev = pageView('http://www.shop.test/three');
    await send([ev], { cookie: `tl_vid=${id}` });
    expect(await h.sql(`select anonymous_id from events where message_id = '${ev.messageId}'`)).toEqual([{ anonymous_id: id }]);
  });

  it('honours tracker.cookie (name, max age ≤ 400 days, domain) and refuses more than 400 days', async () => {
    const custom = await startHarness({ tracker: { touchStore: { engine: 'memory' }, cookie: { name: 'sid', maxAgeDays: 400, domain: 'host' } } });
    try {
      expect(setCookie(await send([pageView('http://www.shop.test/')], { h: custom }))).toMatch(/^sid=[0-9a-f-]{36}; Max-Age=34560000; Path=\/; HttpOnly; SameSite=Lax$/);
    } finally {
      await custom.dispose();
    }
    await expect(startHarness({ tracker: { cookie: { maxAgeDays: 401 } } })).rejects.toThrow(/tracker.cookie.maxAgeDays: browsers cap cookies at 400 days/);
  });

  it('replaces a malformed cookie value with a new id', async () => {
    const r = await send([pageView('http://www.shop.test/')], { cookie: 'tl_vid=<script>' });
    expect(vid(r)).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('touches', () => {
  it('keeps first touch once, moves last touch with new campaigns only, and stamps every event', async () => {
    const paid = `http://www.shop.test/shoes?utm_source=google&utm_medium=cpc&utm_campaign=spring&gclid=${GCLID}`;
    const a = await send([pageView(paid, 'https://www.google.com/')]);
    const id = vid(a)!;
    const cookie = `tl_vid=${id}`;
    const t1 = a.json().touches;
    expect(t1.first).toMatchObject({ url: paid, utm_source: 'google', click_id_type: 'gclid', click_id: GCLID, referrer_domain: 'google.com' });
    expect(t1.last).toEqual(t1.first);

    const direct = pageView('http://www.shop.test/account');
    const b = await send([direct], { cookie });
    expect(b.json().touches).toEqual(t1);

    const social = pageView('http://www.shop.test/sale?fbclid=IwAR_x', 'https://m.facebook.com/', { touches: { first: { url: 'http://lie.test/?utm_source=lie' } } });
    const c = await send([social], { cookie });
    expect(c.json().touches.first).toEqual(t1.first);
    expect(c.json().touches.last).toMatchObject({ click_id_type: 'fbclid', click_id: 'IwAR_x', referrer_domain: 'm.facebook.com' });

    const rows = await h.sql(
      `select message_id, first_utm_source, first_click_id, last_click_id_type, last_referrer_domain from events where message_id in ('${direct.messageId}', '${social.messageId}') order by received_at`,
    );
    expect(rows).toEqual([
      { message_id: direct.messageId, first_utm_source: 'google', first_click_id: GCLID, last_click_id_type: 'gclid', last_referrer_domain: 'google.com' },
      { message_id: social.messageId, first_utm_source: 'google', first_click_id: GCLID, last_click_id_type: 'fbclid', last_referrer_domain: 'm.facebook.com' },
    ]);
    // the browser's claim is kept beside the server's when they differ
    const [ctx] = await h.sql(`select context from events where message_id = '${social.messageId}'`);
    expect(JSON.parse(String(ctx!['context'])).client_touches.first.url).toBe('http://lie.test/?utm_source=lie');
    expect((await h.touchStore!.get(id))?.first?.click_id).toBe(GCLID);
  });

  it('only arrivals start touches: a track on the landing\'s tagged URL, from another tab, does not make that campaign last again', async () => {
    const spring = 'http://www.shop.test/?utm_source=newsletter&utm_medium=email&utm_campaign=spring';
    const summer = 'http://www.shop.test/?utm_source=facebook&utm_medium=paid_social&utm_campaign=summer';
    const a = await send([pageView(spring, 'https://mail.test/')]);
    const cookie = `tl_vid=${vid(a)}`;
    const tabB = await send([pageView(summer, 'https://m.facebook.com/')], { cookie });
    expect(tabB.json().touches.last.utm_campaign).toBe('summer');
    // tab A is still on the spring URL: its purchase is a track there
    const purchase = { ...pageView(spring, 'https://mail.test/'), type: 'track', event: 'Order Completed', properties: { value: 40 } };
    const r = await send([purchase], { cookie });
    expect(r.json().touches.last).toEqual(tabB.json().touches.last);
    expect(await h.sql(`select last_utm_campaign, last_touch_at from events where message_id = '${purchase.messageId}'`)).toEqual([
      { last_utm_campaign: 'summer', last_touch_at: tabB.json().touches.last.at },
    ]);
    // identify, group and alias on the tagged URL: no touch either
    const others = ['identify', 'group', 'alias'].map((type) => ({ ...pageView(spring, 'https://mail.test/'), type, userId: 'u-1', groupId: 'g-1', previousId: 'p-1' }));
    const o = await send(others, { cookie });
    expect(o.json().touches.last).toEqual(tabB.json().touches.last);
  });

  it('a page view then a track on the same tagged URL: one touch, dated at the page view', async () => {
    const url = 'http://www.shop.test/?utm_source=bing&utm_medium=cpc&msclkid=M-1';
    const page = pageView(url, 'https://www.bing.com/');
    const a = await send([page]);
    const track = { ...pageView(url, 'https://www.bing.com/'), type: 'track', event: 'Added to Cart' };
    track.timestamp = new Date(Date.now() + 1000).toISOString();
    const b = await send([track], { cookie: `tl_vid=${vid(a)}` });
    expect(b.json().touches).toEqual(a.json().touches);
    expect((await h.touchStore.get(vid(a)!))?.session).toEqual(a.json().touches.first);
  });

  it('reads consent in Google\'s wording too', async () => {
    const strict = await startHarness({ tracker: { touchStore: { engine: 'memory' }, requireConsent: true } });
    try {
      const granted = await send([pageView('http://www.shop.test/?utm_source=x', '', { consent: { analytics_storage: 'granted' } })], { h: strict });
      expect(vid(granted)).toMatch(UUID);
      expect(granted.json().touches.first.utm_source).toBe('x');
      const denied = await send([pageView('http://www.shop.test/', '', { consent: { analytics_storage: 'denied' } })], { h: strict, cookie: `tl_vid=${vid(granted)}` });
      expect(setCookie(denied)).toMatch(/Max-Age=0/);
    } finally {
      await strict.dispose();
    }
  });

  it('a resent old landing does not turn last touch back', async () => {
    const old = pageView('http://www.shop.test/?utm_source=old');
    old.timestamp = new Date(Date.now() - 3600_000).toISOString();
    const a = await send([pageView('http://www.shop.test/?utm_source=new')]);
    const b = await send([old], { cookie: `tl_vid=${vid(a)}` });
    expect(b.json().touches.last.utm_source).toBe('new');
    expect(b.json().touches.first.utm_source).toBe('new');
  });
});

describe('bots and consent', () => {
  it('link-preview bots get no cookie, no id and no touch; their events are stored flagged, without the touches they claim', async () => {
    for (const ua of ['WhatsApp/2.23.20.0', 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', 'facebookexternalhit/1.1']) {
      const claimed = { first: { url: 'http://www.shop.test/?utm_source=bot', utm_source: 'bot', at: '2026-01-01T00:00:00.000Z' } };
      const ev = pageView(`http://www.shop.test/?gclid=${GCLID}`, '', { touches: { ...claimed, last: claimed.first } });
      const r = await send([ev], { ua });
      expect(r.statusCode).toBe(200);
      expect(setCookie(r), ua).toBeUndefined();
      expect(r.json().anonymousId).toBeUndefined();
      expect(await h.sql(`select anonymous_id, is_bot, first_utm_source, first_touch_at, last_utm_source, last_url from events where message_id = '${ev.messageId}'`)).toEqual([
        { anonymous_id: 'browser-made-id', is_bot: true, first_utm_source: null, first_touch_at: null, last_utm_source: null, last_url: null },
      ]);
    }
    // a bot with a visitor's cookie neither: the visitor's touches stay as they were
    const a = await send([pageView('http://www.shop.test/?utm_source=human')]);
    const bot = pageView(`http://www.shop.test/?gclid=${GCLID}`, 'https://www.google.com/');
    await send([bot], { ua: 'facebookexternalhit/1.1', cookie: `tl_vid=${vid(a)}` });
    expect((await h.touchStore.get(vid(a)!))?.last?.utm_source).toBe('human');
    expect(await h.sql(`select is_bot, first_utm_source from events where message_id = '${bot.messageId}'`)).toEqual([{ is_bot: true, first_utm_source: null }]);
  });

  it('no cookie when analytics_storage is denied, or not stated where the site requires consent', async () => {
    const denied = pageView('http://www.shop.test/?utm_source=x', '', { consent: { analytics_storage: false } });
    expect(setCookie(await send([denied]))).toMatch(/Max-Age=0/); // a withdrawal's answer: expire whatever is there
    const strict = await startHarness({ tracker: { touchStore: { engine: 'memory' }, requireConsent: true } });
    try {
      const silent = { ...pageView('http://www.shop.test/?utm_source=x'), context: { page: { url: 'http://www.shop.test/?utm_source=x' } } };
      const r = await send([silent], { h: strict });
      expect(setCookie(r)).toBeUndefined();
      expect(r.json().anonymousId).toBeUndefined();
      const ok = await send([pageView('http://www.shop.test/?utm_source=x')], { h: strict });
      expect(vid(ok)).toMatch(UUID);
    } finally {
      await strict.dispose();
    }
  });

  it('withdrawal expires the cookie (Max-Age=0, same Domain and Path) and is stored under the visitor', async () => {
    const a = await send([pageView('http://www.shop.test/?utm_source=x')]);
    const id = vid(a)!;
    const ev = { type: 'track', event: 'Consent Updated', messageId: `m-${++n}`, anonymousId: 'new-in-memory', context: { consent: { analytics_storage: false } } };
    const r = await send([ev], { cookie: `tl_vid=${id}`, headers: { 'sec-gpc': '1' } });
    expect(setCookie(r)).toBe('tl_vid=; Max-Age=0; Domain=shop.test; Path=/; HttpOnly; SameSite=Lax');
    expect(r.json().anonymousId).toBeUndefined();
    expect(await h.sql(`select anonymous_id, gpc, consent from events where message_id = '${ev.messageId}'`)).toEqual([
      { anonymous_id: id, gpc: true, consent: '{"analytics_storage":false}' },
    ]);
  });

  it('an alias of the browser\'s cached id links the cookie\'s visitor id', async () => {
    const a = await send([pageView('http://www.shop.test/')]);
    const alias = { type: 'alias', messageId: `m-${++n}`, userId: 'user-42', anonymousId: 'stale-cached-id', previousId: 'stale-cached-id' };
    await send([alias], { cookie: `tl_vid=${vid(a)}` });
    expect(await h.sql(`select anonymous_id, previous_id, user_id from events where message_id = '${alias.messageId}'`)).toEqual([{ anonymous_id: vid(a), previous_id: vid(a), user_id: 'user-42' }]);
  });

  it('duplicates (same messageId) are acknowledged once', async () => {
    const ev = pageView('http://www.shop.test/dup');
    const a = await send([ev]);
    const b = await send([ev], { cookie: `tl_vid=${vid(a)}` });
    expect(b.json()).toMatchObject({ accepted: 0, duplicates: 1 });
  });
});

describe('edges', () => {
  it('cross-origin (a collector on another host of the same site): credentials only once tracker.siteDomains names the site, cookie still Lax', async () => {
    // Unconfigured: the endpoint takes the events but gives no CORS answer, so a browser hides it from the page.
    const unconfigured = await send([pageView('https://www.shop.test/')], { host: 't.shop.test', headers: { origin: 'https://www.shop.test' } });
    expect(unconfigured.statusCode).toBe(200);
    expect(unconfigured.headers['access-control-allow-origin']).toBeUndefined();
    expect(unconfigured.headers['access-control-allow-credentials']).toBeUndefined();
    const site = await startHarness({ tracker: { siteDomains: ['shop.test'], touchStore: { engine: 'memory' } } });
    try {
      const r = await send([pageView('https://www.shop.test/')], { h: site, host: 't.shop.test', headers: { origin: 'https://www.shop.test' } });
      expect(r.headers['access-control-allow-origin']).toBe('https://www.shop.test');
      expect(r.headers['access-control-allow-credentials']).toBe('true');
      expect(setCookie(r)).toMatch(/; Domain=shop\.test; Path=\/; HttpOnly; SameSite=Lax$/);
    } finally {
      await site.dispose();
    }
  });

  it('hostile batch contents: bad events are quarantined one by one, good ones are stamped', async () => {
    const good = pageView('http://www.shop.test/?utm_source=ok');
    const r = await send([1, null, 'x', { type: 'page', context: 'not an object' }, good] as unknown as Record<string, unknown>[]);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ accepted: 1, rejected: [{ index: 0 }, { index: 1 }, { index: 2 }, { index: 3, field: 'context' }] });
    expect(await h.sql(`select first_utm_source from events where message_id = '${good.messageId}'`)).toEqual([{ first_utm_source: 'ok' }]);
    const notBatch = await h.app.inject({ method: 'POST', url: '/_t/b', headers: { 'content-type': 'text/plain', 'user-agent': CHROME }, payload: JSON.stringify({ batch: {}, writeKey: h.writeKey }) });
    expect(notBatch.statusCode).toBe(400);
    expect(notBatch.json()).toMatchObject({ error: 'invalid_batch', quarantined: true });
    const noKey = await h.app.inject({ method: 'POST', url: '/_t/b', headers: { 'content-type': 'text/plain' }, payload: JSON.stringify({ batch: [] }) });
    expect(noKey.statusCode).toBe(401);
  });

  it('the snippet touchline start prints: write key, the script path, the endpoint only when not the default', async () => {
    const { trackerSnippet } = await import('../../src/tracker-endpoint/tracker-snippet.js');
    const { TrackerConfigSchema } = await import('../../src/tracker-endpoint/tracker-config.js');
    const s = trackerSnippet(TrackerConfigSchema.parse({}), 'wk_123');
    expect(s).toContain('{"writeKey":"wk_123"},"/_t/s.js")');
    const custom = trackerSnippet(TrackerConfigSchema.parse({ scriptPath: '/x/y.js', endpointPath: '/z', requireConsent: true }), 'wk');
    expect(custom).toContain('{"writeKey":"wk","endpoint":"/z","requireConsent":true},"/x/y.js")');
  });
});
