/**
 * The tracker in a real Chromium (Debian's), against the REAL collector (in process, listening on
 * a port, SQLite touch store, DuckDB warehouse), behind a shop on `www.shop.test` whose edge
 * forwards `/_t/*` to it. Every scenario checks what the collector stored, row by row.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSiteHelper, httpTransport } from '@touchline/site';
import { arriveFrom, launchChromium, readClientState, sitePage, skipReason, wipeScriptStorage } from '../../../tracker/test/support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';
import { serveShop, type Shop } from './support/shop.js';

if (skipReason) console.warn(`[browser tests skipped] ${skipReason}`);

const GCLID = 'EAIaIQobChMI-x_Y2Jq9_AIVDOh3Ch3kVwN_EAAYASAAEgJ1Z_D_BwE';
const FBCLID = 'IwAR2Fz_kLmN0-pQ';
type Row = Record<string, unknown>;
type Touchline = { track(e: string, p?: object): void; consent(c: object): void };

/** Polls an async check until it returns a value, for at most `ms`. */
async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(skipReason)('tracker + real collector in Chromium', () => {
  let browser: Browser;
  let h: Harness;
  let shop: Shop;
  let userAgent: string;

  beforeAll(async () => {
    h = await startHarness({}, { listen: true });
    shop = await serveShop({ collector: `http://127.0.0.1:${new URL(h.url).port}`, moreHosts: ['app.shop.test'] });
    shop.setPage(() => shopPage());
    browser = await launchChromium();
    // Headless Chromium says "HeadlessChrome", which isbot rightly calls a bot: visitors here are people.
    userAgent = `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${browser.version().split('.')[0]}.0.0.0 Safari/537.36`;
  });
  afterAll(async () => {
    await browser?.close();
    await shop?.close();
    await h?.dispose();
  });

  const visitor = () => browser.newContext({ userAgent });
  /** A shop page with the snippet `touchline start` prints (the write key in it). */
  const shopPage = (options: Record<string, unknown> = {}) => sitePage({ snippet: { options: { writeKey: h.writeKey, ...options } } });
  /** The collector's rows for a condition, once the loader has them. */
  const rows = (where: string, n = 1): Promise<Row[]> =>
    until(`${n} row(s) where ${where}`, async () => {
      const r = await h.sql(`select * from events where ${where} order by received_at`);
      return r.length >= n ? r : undefined;
    });
  const visitorCookie = async (ctx: BrowserContext) => (await ctx.cookies()).find((c) => c.name === 'tl_vid');
  const cookieOf = (ctx: BrowserContext) => until('the visitor cookie', () => visitorCookie(ctx));
  const pageRow = (id: string, path: string) => rows(`anonymous_id = '${id}' and type = 'page' and path = '${path}' and library_name = '@touchline/tracker'`).then((r) => r[0]!);

  describe('one visitor across visits', () => {
    let ctx: BrowserContext;
    let page: Page;
    let id: string;
    const landing = () => shop.url(`/shoes?utm_source=google&utm_medium=cpc&utm_campaign=spring%20sale&gclid=${GCLID}`);
    beforeAll(async () => {
      ctx = await visitor();
      page = await ctx.newPage();
    });
    afterAll(() => ctx?.close());

    it('1. a landing with UTMs and a gclid: first = last = that touch, click id byte for byte, a server cookie', async () => {
      await arriveFrom(page, shop, 'www.google.test', landing());
      const c = await cookieOf(ctx);
      expect(c).toMatchObject({ domain: '.shop.test', path: '/', httpOnly: true, secure: false, sameSite: 'Lax' });
      const days = (c.expires - Date.now() / 1000) / 86400;
      expect(days).toBeGreaterThan(364.9);
      expect(days).toBeLessThanOrEqual(365);
      id = c.value;
      expect((await readClientState(page)).cookie).toBe(''); // HttpOnly: invisible to scripts

      const row = await pageRow(id, '/shoes');
      expect(row).toMatchObject({
        url: landing(),
        utm_source: 'google',
        utm_campaign: 'spring sale',
        gclid: GCLID,
        click_id: GCLID,
        referrer_domain: 'google.test',
        first_url: landing(),
        first_utm_source: 'google',
        first_utm_medium: 'cpc',
        first_utm_campaign: 'spring sale',
        first_click_id_type: 'gclid',
        first_click_id: GCLID,
        first_referrer_domain: 'google.test',
        last_url: landing(),
        last_click_id: GCLID,
        is_bot: false,
      });
      expect(row['first_touch_at']).toEqual(row['last_touch_at']);
      // the answer reached the tracker: its cache holds the server's visitor id and touches
      await page.waitForFunction((v) => JSON.parse(localStorage.getItem('_tl') ?? '{}').a === v, id);
    });

    it('2. a later direct visit: last touch unchanged, cookie slid', async () => {
      const before = (await visitorCookie(ctx))!.expires;
      await new Promise((r) => setTimeout(r, 1100));
      await page.goto(shop.url('/account'));
      const row = await pageRow(id, '/account');
      expect(row).toMatchObject({ referrer_domain: null, utm_source: null, first_click_id: GCLID, last_click_id: GCLID, last_url: landing() });
      await until('the slid cookie', async () => ((await visitorCookie(ctx))!.expires > before ? true : undefined));
      expect((await visitorCookie(ctx))!.value).toBe(id);
    });

    it('3. a new campaign (fbclid): last touch changes, first does not', async () => {
      const to = shop.url(`/sale?fbclid=${FBCLID}`);
      await arriveFrom(page, shop, 'm.facebook.test', to);
      const row = await pageRow(id, '/sale');
      expect(row).toMatchObject({ first_click_id: GCLID, first_utm_source: 'google', last_click_id_type: 'fbclid', last_click_id: FBCLID, last_url: to, last_referrer_domain: 'm.facebook.test' });
    });

    it('4. all script storage wiped (Safari after 7 days): the next visit still reports the original first touch', async () => {
      await wipeScriptStorage(page, shop);
      expect(await readClientState(page)).toMatchObject({ localStorage: {}, indexedDB: [] });
      await page.goto(shop.url('/again'));
      const row = await pageRow(id, '/again');
      expect(row).toMatchObject({ first_url: landing(), first_click_id: GCLID, last_click_id: FBCLID });
      // the browser itself no longer knew: its claim is kept beside the server's answer
      expect(JSON.parse(String(row['context'])).client_touches.first).toBeUndefined();
      await page.waitForFunction((g) => JSON.parse(localStorage.getItem('_tl') ?? '{}').s?.first?.click_id === g, GCLID);
    });

    it('5. a round trip through a payment provider (excluded referrer): last touch unchanged', async () => {
      // (klarna.com: a default exclusion whose host Chromium does not force to https, unlike stripe.com)
      await arriveFrom(page, shop, 'www.klarna.com', shop.url('/thanks'));
      const row = await pageRow(id, '/thanks');
      expect(row).toMatchObject({ referrer_domain: 'klarna.com', first_click_id: GCLID, last_click_id: FBCLID, last_referrer_domain: 'm.facebook.test' });
    });
  });

  it('6. consent denied: nothing written; granted on the same page, the landing touch is attached', async () => {
    shop.setPage(() => shopPage({ requireConsent: true }));
    const ctx = await visitor();
    try {
      const page = await ctx.newPage();
      const to = shop.url('/welcome?utm_source=newsletter&utm_medium=email&utm_campaign=may&gclid=Cj0Kconsent');
      await arriveFrom(page, shop, 'mail.example.test', to);
      await page.evaluate(() => (window as unknown as { touchline: Touchline }).touchline.track('Browsed'));
      await page.waitForTimeout(1500); // past the flush interval
      expect(await ctx.cookies()).toEqual([]);
      expect(await readClientState(page)).toEqual({ cookie: '', localStorage: {}, sessionStorage: {}, indexedDB: [] });
      expect(await h.sql(`select count(*)::int as n from events where url = '${to}'`)).toEqual([{ n: 0 }]);

      await page.evaluate(() => (window as unknown as { touchline: Touchline }).touchline.consent({ analytics_storage: true }));
      const id = (await cookieOf(ctx)).value;
      const evs = await rows(`anonymous_id = '${id}'`, 3);
      expect(evs.map((e) => e['event'] ?? e['type'])).toEqual(['page', 'Browsed', 'Consent Updated']);
      for (const e of evs) expect(e).toMatchObject({ first_url: to, first_utm_source: 'newsletter', first_click_id: 'Cj0Kconsent', first_referrer_domain: 'mail.example.test' });
      expect(JSON.parse(String(evs[0]!['consent']))).toEqual({ analytics_storage: true, ad_storage: false, ad_user_data: false, ad_personalization: false });
    } finally {
      shop.setPage(() => shopPage());
      await ctx.close();
    }
  });

  it('7. a click id stripped from the URL (Safari/Brave/Firefox) but UTMs present: the touch comes from the UTMs', async () => {
    const ctx = await visitor();
    try {
      const page = await ctx.newPage();
      const to = shop.url('/launch?utm_source=google&utm_medium=cpc&utm_campaign=launch&utm_id=987');
      await arriveFrom(page, shop, 'www.google.test', to);
      const id = (await cookieOf(ctx)).value;
      const row = await pageRow(id, '/launch');
      expect(row).toMatchObject({ first_utm_source: 'google', first_utm_medium: 'cpc', first_utm_campaign: 'launch', first_utm_id: '987', first_click_id: null, last_utm_campaign: 'launch', gclid: null });
    } finally {
      await ctx.close();
    }
  });

  it('8. the tracker script blocked: the site helper still records the landing touch, and the tracker later adopts its visitor', async () => {
    const helper = createSiteHelper({ writeKey: h.writeKey, transport: httpTransport(`http://127.0.0.1:${new URL(h.url).port}/_t/b`) });
    shop.setHelper(helper);
    const ctx = await visitor();
    try {
      await ctx.route('**/_t/**', (r) => r.abort('blockedbyclient')); // what an ad blocker does
      const page = await ctx.newPage();
      const to = shop.url(`/blocked?utm_source=bing&utm_medium=cpc&msclkid=7f3e_Ab-9`);
      await arriveFrom(page, shop, 'www.bing.test', to);
      const c = (await visitorCookie(ctx))!; // set on the HTML response itself
      expect(c).toMatchObject({ domain: '.shop.test', httpOnly: true, sameSite: 'Lax' });
      await helper.flush();
      const [landing] = await rows(`anonymous_id = '${c.value}'`);
      expect(landing).toMatchObject({
        type: 'page',
        library_name: '@touchline/site',
        url: to,
        referrer_domain: 'bing.test',
        msclkid: '7f3e_Ab-9',
        first_url: to,
        first_click_id_type: 'msclkid',
        first_click_id: '7f3e_Ab-9',
        first_utm_source: 'bing',
        last_click_id: '7f3e_Ab-9',
        user_agent: userAgent,
        is_bot: false,
      });
      expect(await h.sql(`select count(*)::int as n from events where anonymous_id = '${c.value}' and library_name = '@touchline/tracker'`)).toEqual([{ n: 0 }]);

      // the blocker is gone on a later visit: the tracker's events land under the helper's visitor id, with its first touch
      await ctx.unrouteAll();
      await page.goto(shop.url('/later'));
      const later = await pageRow(c.value, '/later');
      expect(later).toMatchObject({ first_click_id: '7f3e_Ab-9', first_url: to });
    } finally {
      shop.setHelper(undefined);
      await ctx.close();
    }
  });
  describe('only arrivals start touches and sessions', () => {
    const sessionsOf = (id: string) => h.sql(`select campaign, events from sessions where device_id = '${id}' order by started_at`);

    it('9. two tabs on two campaigns, a purchase in the first: last touch stays the second tab\'s campaign, not re-dated', async () => {
      const ctx = await visitor();
      try {
        const tabA = await ctx.newPage();
        const spring = shop.url('/spring?utm_source=newsletter&utm_medium=email&utm_campaign=spring');
        await arriveFrom(tabA, shop, 'mail.example.test', spring);
        const id = (await cookieOf(ctx)).value;
        await pageRow(id, '/spring');
        const tabB = await ctx.newPage();
        const summer = shop.url(`/summer?utm_source=facebook&utm_medium=paid_social&utm_campaign=summer&fbclid=${FBCLID}`);
        await arriveFrom(tabB, shop, 'm.facebook.test', summer);
        const b = await pageRow(id, '/summer');
        expect(b).toMatchObject({ first_utm_campaign: 'spring', last_utm_campaign: 'summer' });

        // back in the first tab, still on the spring URL, the visitor buys
        await tabA.bringToFront();
        await tabA.evaluate(() => (window as unknown as { touchline: Touchline }).touchline.track('Order Completed', { value: 40 }));
        const [buy] = await rows(`anonymous_id = '${id}' and event = 'Order Completed'`);
        expect(buy).toMatchObject({ url: spring, utm_campaign: 'spring', first_utm_campaign: 'spring', last_utm_campaign: 'summer', last_click_id: FBCLID, last_touch_at: b['last_touch_at'] });
        // the views agree: two touches, the purchase inside the summer session
        expect(await sessionsOf(id)).toEqual([{ campaign: 'spring', events: 1 }, { campaign: 'summer', events: 2 }]);
        expect(await h.sql(`select last_touch_campaign from persons where list_contains(anonymous_ids, '${id}')`)).toEqual([{ last_touch_campaign: 'summer' }]);
      } finally {
        await ctx.close();
      }
    });

    it('10. a page view then a track on the same tagged URL: one session, one touch', async () => {
      const ctx = await visitor();
      try {
        const page = await ctx.newPage();
        const deal = shop.url('/deal?utm_source=bing&utm_medium=cpc&utm_campaign=deal&msclkid=M-deal');
        await arriveFrom(page, shop, 'www.bing.test', deal);
        const id = (await cookieOf(ctx)).value;
        const landed = await pageRow(id, '/deal');
        await page.evaluate(() => (window as unknown as { touchline: Touchline }).touchline.track('Added to Cart'));
        const [cart] = await rows(`anonymous_id = '${id}' and event = 'Added to Cart'`);
        expect(cart).toMatchObject({ utm_campaign: 'deal', last_touch_at: landed['last_touch_at'], first_touch_at: landed['first_touch_at'] });
        expect(await sessionsOf(id)).toEqual([{ campaign: 'deal', events: 2 }]);
        expect(await h.sql(`select count(*)::int as n from touches where device_id = '${id}'`)).toEqual([{ n: 1 }]);
      } finally {
        await ctx.close();
      }
    });
  });

  it('11. a hop from www.shop.test to app.shop.test is internal navigation, not a referral: the script knows the registrable domain', async () => {
    const ctx = await visitor();
    try {
      const page = await ctx.newPage();
      await arriveFrom(page, shop, 'www.google.test', shop.url(`/start?gclid=${GCLID}`));
      const id = (await cookieOf(ctx)).value;
      await pageRow(id, '/start');
      // a link to the app, another host of the same site (the cookie's Domain=shop.test reaches it)
      const app = shop.url('/dashboard', 'app.shop.test');
      await page.evaluate((to) => {
        const a = Object.assign(document.createElement('a'), { href: to, id: 'to-app', textContent: 'app' });
        document.body.append(a);
      }, app);
      await Promise.all([page.waitForURL(app), page.click('#to-app')]);
      const [row] = await rows(`anonymous_id = '${id}' and host = 'app.shop.test' and type = 'page'`);
      expect(row).toMatchObject({ referrer_domain: 'shop.test', first_click_id: GCLID, last_click_id: GCLID });
      // What the tracker on app.shop.test claimed (its storage is per origin: it knew nothing):
      // its landing is internal, so no first or last touch of its own, not a referral from shop.test.
      const claimed = JSON.parse(String(row!['context'])).client_touches;
      expect(claimed.session).toMatchObject({ url: app, referrer_domain: 'shop.test' });
      expect(claimed.first).toBeUndefined();
      expect(claimed.last).toBeUndefined();
    } finally {
      await ctx.close();
    }
  });

  describe('after 30 idle minutes (the collector\'s and the browser\'s clocks advanced, no sleeping)', () => {
    let clock = Date.now();
    let hc: Harness;
    let idleShop: Shop;
    beforeAll(async () => {
      hc = await startHarness({}, { listen: true, now: () => new Date(clock) });
      idleShop = await serveShop({ collector: `http://127.0.0.1:${new URL(hc.url).port}` });
      idleShop.setPage(() => sitePage({ snippet: { options: { writeKey: hc.writeKey } } }));
    });
    afterAll(async () => {
      await idleShop?.close();
      await hc?.dispose();
    });

    it('12. a track on the landing\'s tagged URL makes no touch and opens no session', async () => {
      const ctx = await visitor();
      try {
        await ctx.clock.install({ time: clock });
        const page = await ctx.newPage();
        const url = idleShop.url('/?utm_source=newsletter&utm_medium=email&utm_campaign=idle');
        await arriveFrom(page, idleShop, 'mail.example.test', url);
        const id = (await cookieOf(ctx)).value;
        const q = (where: string) => until(where, async () => (await hc.sql(`select * from events where ${where}`))[0]);
        const landed = await q(`anonymous_id = '${id}' and type = 'page' and path = '/'`);

        clock += 31 * 60_000;
        await page.clock.fastForward('31:00');
        await page.evaluate(() => (window as unknown as { touchline: Touchline }).touchline.track('Came Back'));
        const back = await q(`anonymous_id = '${id}' and event = 'Came Back'`);
        expect(Date.parse(String(back['timestamp'])) - Date.parse(String(landed['timestamp']))).toBeGreaterThan(30 * 60_000);
        expect(back).toMatchObject({ utm_campaign: 'idle', first_touch_at: landed['first_touch_at'], last_touch_at: landed['last_touch_at'] });
        expect((await hc.touchStore.get(id))?.session?.at).toBe(landed['last_touch_at']);
        expect(await hc.sql(`select campaign, events, ended_at from sessions where device_id = '${id}'`)).toEqual([{ campaign: 'idle', events: 2, ended_at: back['timestamp'] }]);
      } finally {
        await ctx.close();
      }
    });
  });

  describe('over https, behind a TLS-terminating edge (ip.trustProxy)', () => {
    let secure: Harness;
    let edge: Shop;
    let dir: string;
    beforeAll(async () => {
      if (!existsSync('/usr/bin/openssl')) throw new Error('openssl not found at /usr/bin/openssl (Debian package openssl): needed for a test certificate');
      dir = mkdtempSync(join(tmpdir(), 'touchline-tls-'));
      // a throw-away self-signed certificate; the browser context ignores its issuer
      execFileSync('/usr/bin/openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=www.shop.test', '-addext', 'subjectAltName=DNS:www.shop.test', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
      secure = await startHarness({ ip: { trustProxy: true } }, { listen: true });
      edge = await serveShop({ collector: `http://127.0.0.1:${new URL(secure.url).port}`, tls: { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') } });
      edge.setPage(() => sitePage({ snippet: { options: { writeKey: secure.writeKey } } }));
    });
    afterAll(async () => {
      await edge?.close();
      await secure?.dispose();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('the cookie is Secure; withdrawing consent in the page expires it', async () => {
      const ctx = await browser.newContext({ userAgent, ignoreHTTPSErrors: true });
      try {
        const page = await ctx.newPage();
        await page.goto(edge.url('/?utm_source=partner&utm_medium=referral'));
        const c = await cookieOf(ctx);
        expect(c).toMatchObject({ domain: '.shop.test', secure: true, httpOnly: true, sameSite: 'Lax' });
        const [row] = await until('the landing row', async () => {
          const r = await secure.sql(`select first_utm_source, url from events where anonymous_id = '${c.value}'`);
          return r.length ? r : undefined;
        });
        expect(row).toEqual({ first_utm_source: 'partner', url: edge.url('/?utm_source=partner&utm_medium=referral') });

        await page.evaluate(() => (window as unknown as { touchline: Touchline }).touchline.consent({ analytics_storage: false }));
        await until('the cookie expired', async () => ((await visitorCookie(ctx)) ? undefined : true));
        const [withdrawal] = await until('the withdrawal row', async () => {
          const r = await secure.sql(`select event, consent from events where anonymous_id = '${c.value}' and event = 'Consent Updated'`);
          return r.length ? r : undefined;
        });
        expect(JSON.parse(String(withdrawal!['consent'])).analytics_storage).toBe(false);
        expect(await readClientState(page)).toMatchObject({ localStorage: {} });
      } finally {
        await ctx.close();
      }
    });
  });
});
