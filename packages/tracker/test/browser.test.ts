/**
 * The script-tag build in a real Chromium, on a test site under realistic host names, against a
 * stand-in collector that answers as the real one will.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SegmentEvent } from '@touchline/protocol';
// @ts-expect-error -- plain JavaScript build module, no declarations
import { buildScript } from '../scripts/build-config.mjs';
import { arriveFrom, launchChromium, newVisitor, readClientState, serveSite, sitePage, skipReason, waitFor, wipeScriptStorage, type Site } from './support/browser.js';
import { collectorStandIn, standInMemory, VISITOR_COOKIE, type CollectorStandIn } from './support/collector-stand-in.js';

if (skipReason) console.warn(`[browser tests skipped] ${skipReason}`);

const GCLID = 'EAIaIQobChMI-x_Y2Jq9_AIVDOh3Ch3kVwN_EAAYASAAEgJ1Z_D_BwE';
const FBCLID = 'IwAR2Fz_kLmN0-pQ';

describe.skipIf(skipReason)('the tracker in Chromium', () => {
  let browser: Browser;
  let site: Site;
  let col: CollectorStandIn;
  const server = standInMemory(); // the collector's memory lives across tests, its request log does not
  const pages = (evs = col.events()) => evs.filter((e) => e.type === 'page');
  const eventsNamed = (name: string) => col.events().filter((e) => (e.event ?? e.type) === name);

  beforeAll(async () => {
    const { code } = (await buildScript()) as { code: string };
    browser = await launchChromium();
    site = await serveSite({ script: code, collector: (q, s, b) => col.handler(q, s, b) });
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });
  beforeEach(() => {
    col = collectorStandIn(server);
    site.setPage(() => sitePage());
    site.setScriptDelay(0);
  });

  describe('one visitor across visits', () => {
    let ctx: BrowserContext;
    let page: Page;
    let paid: SegmentEvent;
    beforeAll(async () => {
      ctx = await newVisitor(browser);
      page = await ctx.newPage();
    });
    afterAll(() => ctx?.close());

    it('a paid landing (UTMs + gclid) is captured byte for byte and sent with first = last', async () => {
      const landing = site.url(`/shoes?utm_source=google&utm_medium=cpc&utm_campaign=spring%20sale&utm_id=42&gclid=${GCLID}`);
      await arriveFrom(page, site, 'www.google.test', landing);
      paid = (await waitFor('the landing page view', () => pages().length > 0 && pages()))[0]!;
      const t = paid.context!.touches!;
      expect(t.first).toEqual({
        url: landing,
        utm_source: 'google',
        utm_medium: 'cpc',
        utm_campaign: 'spring sale',
        utm_id: '42',
        click_ids: { gclid: GCLID },
        click_id_type: 'gclid',
        click_id: GCLID,
        referrer: site.url('/', 'www.google.test'),
        referrer_domain: 'google.test',
        at: t.first!.at,
      });
      expect(t.last).toEqual(t.first);
      expect(t.session).toEqual(t.first);
      expect(paid.context).toMatchObject({
        page: { url: landing, path: '/shoes', title: 'Shop', referrer: site.url('/', 'www.google.test') },
        campaign: { name: 'spring sale', source: 'google', medium: 'cpc', id: '42' },
        consent: { analytics_storage: true },
        gpc: false,
      });
      // a CORS-simple POST of Segment batch JSON; no preflight
      const r = col.requests[0]!;
      expect(r).toMatchObject({ method: 'POST', path: '/_t/b', contentType: 'text/plain;charset=UTF-8', cookie: undefined });
      expect(r.body).toMatchObject({ writeKey: '', sentAt: expect.any(String) });
      expect(col.requests.some((q) => q.method === 'OPTIONS')).toBe(false);
      // the collector's HttpOnly cookie is set, and invisible to scripts
      await waitFor('the visitor cookie', async () => (await ctx.cookies()).length > 0);
      expect((await ctx.cookies()).map((c) => [c.name, c.httpOnly])).toEqual([[VISITOR_COOKIE, true]]);
      expect((await readClientState(page)).cookie).toBe('');
    });

    it('a later direct visit keeps last touch (and takes the collector’s visitor id)', async () => {
      await page.goto(site.url('/account'));
      const [ev] = await waitFor('the direct page view', () => pages().length > 0 && pages());
      expect(ev!.context!.page!.referrer).toBe('');
      expect(ev!.context!.touches!.first).toEqual(paid.context!.touches!.first);
      expect(ev!.context!.touches!.last).toEqual(paid.context!.touches!.last);
      expect(ev!.anonymousId).toBe('vid-1');
      expect(col.requests[0]!.cookie).toBe(`${VISITOR_COOKIE}=vid-1`);
    });

    it('a new campaign (fbclid) changes last touch, not first', async () => {
      const landing = site.url(`/sale?fbclid=${FBCLID}`);
      await arriveFrom(page, site, 'm.facebook.test', landing);
      const [ev] = await waitFor('the page view', () => pages().length > 0 && pages());
      const t = ev!.context!.touches!;
      expect(t.first).toEqual(paid.context!.touches!.first);
      expect(t.last).toMatchObject({ url: landing, click_id_type: 'fbclid', click_id: FBCLID, click_ids: { fbclid: FBCLID }, referrer_domain: 'm.facebook.test' });
      expect(t.session).toEqual(t.last);
    });

    it('script storage wiped (as Safari does): the collector’s answer restores the true first touch', async () => {
      await wipeScriptStorage(page, site);
      await page.goto(site.url('/again'));
      const [ev] = await waitFor('the page view', () => pages().length > 0 && pages());
      expect(ev!.context!.touches!.first).toBeUndefined(); // the browser alone no longer knows
      // the answer reaches the page a moment after the collector saw the request
      await page.waitForFunction(() => JSON.parse(localStorage.getItem('_tl') ?? '{}').s?.first, undefined, { timeout: 5000 });
      await page.evaluate(() => (window as unknown as { touchline: { track(e: string): void } }).touchline.track('Purchased'));
      const [buy] = await waitFor('Purchased', () => eventsNamed('Purchased').length > 0 && eventsNamed('Purchased'));
      expect(buy!.context!.touches!.first).toEqual(paid.context!.touches!.first);
      expect(buy!.anonymousId).toBe('vid-1');
    });
  });

  it('consent required: nothing stored or sent before it; granted on the same page, the landing touch is sent', async () => {
    site.setPage(() => sitePage({ snippet: { options: { requireConsent: true } } }));
    const ctx = await newVisitor(browser);
    const page = await ctx.newPage();
    const landing = site.url('/?utm_source=newsletter&utm_medium=email&gclid=Cj0Kconsent');
    await arriveFrom(page, site, 'www.google.test', landing);
    await page.evaluate(() => (window as unknown as { touchline: { track(e: string): void } }).touchline.track('Browsed'));
    await page.waitForTimeout(1500); // past the flush interval
    expect(col.requests).toEqual([]);
    expect(await readClientState(page)).toEqual({ cookie: '', localStorage: {}, sessionStorage: {}, indexedDB: [] });
    expect(await ctx.cookies()).toEqual([]);

    await page.evaluate(() => (window as unknown as { touchline: { consent(c: object): void } }).touchline.consent({ analytics_storage: true }));
    const evs = await waitFor('the held events', () => col.events().length >= 3 && col.events());
    expect(evs.map((e) => e.event ?? e.type)).toEqual(['page', 'Browsed', 'Consent Updated']);
    for (const e of evs) {
      expect(e.context!.touches!.first).toMatchObject({ url: landing, utm_source: 'newsletter', click_id: 'Cj0Kconsent', referrer_domain: 'google.test' });
      expect(e.context!.consent).toEqual({ analytics_storage: true, ad_storage: false, ad_user_data: false, ad_personalization: false });
    }
    const state = await readClientState(page);
    expect(Object.keys(state.localStorage)).toEqual(['_tl']);
    expect(state).toMatchObject({ cookie: '', sessionStorage: {}, indexedDB: [] });
    await ctx.close();
  });

  it('calls made before the script loads are replayed; the landing survives a router rewriting the URL', async () => {
    site.setScriptDelay(600);
    site.setPage(() =>
      sitePage({
        head: `<script>window.calledOnStub = Array.isArray(touchline); history.replaceState(null, '', '/clean'); touchline.track('Early', { n: 1 });</script>`,
      }),
    );
    const ctx = await newVisitor(browser);
    const page = await ctx.newPage();
    const landing = site.url('/promo?utm_source=partner&utm_campaign=q3');
    await arriveFrom(page, site, 'www.partner.test', landing);
    expect(await page.evaluate(() => (window as unknown as { calledOnStub: boolean }).calledOnStub)).toBe(true);
    const evs = await waitFor('the replayed calls', () => col.events().length >= 2 && col.events());
    expect(evs.map((e) => [e.event ?? e.type, e.context!.page!.url])).toEqual([
      ['page', landing],
      ['Early', site.url('/clean')],
    ]);
    expect(evs[1]!.properties).toEqual({ n: 1 });
    expect(evs[1]!.context!.touches!.first).toMatchObject({ url: landing, utm_source: 'partner', utm_campaign: 'q3', referrer_domain: 'partner.test' });
    expect(await page.evaluate(() => Array.isArray((window as unknown as { touchline: unknown }).touchline))).toBe(false);
    await ctx.close();
  });

  it('SPA: pushState and popstate are page views; a replaceState that strips the query is not', async () => {
    site.setPage(() => sitePage({ snippet: { options: { spa: true } } }));
    const ctx = await newVisitor(browser);
    const page = await ctx.newPage();
    await page.goto(site.url('/?utm_source=spa'));
    await waitFor('the first page view', () => pages().length === 1);
    await page.evaluate(() => {
      history.replaceState(null, '', '/'); // a consent banner / router strips UTMs
      history.pushState(null, '', '/p/1');
      document.title = 'P2';
      history.pushState(null, '', '/p/2?color=red');
      history.replaceState(null, '', '/p/2'); // same path: not a page view
    });
    await page.goBack(); // popstate to /p/1
    await page.waitForURL('**/p/1');
    const evs = await waitFor('4 page views', () => pages().length >= 4 && pages(), 3000);
    expect(evs.map((e) => [`${e.context!.page!.path}${e.context!.page!.search}`, e.context!.page!.referrer])).toEqual([
      ['/?utm_source=spa', ''],
      ['/p/1', site.url('/?utm_source=spa')],
      ['/p/2?color=red', site.url('/p/1')],
      ['/p/1', site.url('/p/2?color=red')],
    ]);
    expect(evs[2]!.context!.page!.title).toBe('P2');
    expect(evs.at(-1)!.context!.touches!.first).toMatchObject({ utm_source: 'spa' });
    await page.waitForTimeout(300);
    expect(pages()).toHaveLength(4);
    await ctx.close();
  });

  it('leaving the page flushes what is queued with sendBeacon', async () => {
    site.setPage(() => sitePage({ snippet: { options: { flushInterval: 600_000 } } }));
    const ctx = await newVisitor(browser);
    const kinds: string[] = [];
    ctx.on('request', (r) => void (r.url().includes('/_t/b') && kinds.push(r.resourceType())));
    const page = await ctx.newPage();
    await page.goto(site.url('/checkout'));
    // the landing batch answered (the queue drains after each answer, so wait for it)
    await page.waitForFunction(() => JSON.parse(localStorage.getItem('_tl') ?? '{}').a?.startsWith('vid-'));
    await page.evaluate(() => (window as unknown as { touchline: { track(e: string): void } }).touchline.track('Leaving'));
    await page.waitForTimeout(200);
    expect(eventsNamed('Leaving')).toEqual([]); // held for the 10-minute interval
    await page.goto(site.url('/elsewhere', 'www.other.test'));
    const r = await waitFor('the beacon', () => col.requests.find((q) => q.body?.batch.some((e) => e.event === 'Leaving')));
    expect(r.contentType).toBe('text/plain;charset=UTF-8');
    // by sendBeacon ("ping"): seen on a page that stays, as a navigated-away page's requests are not reported
    const stay = await ctx.newPage();
    await stay.goto(site.url('/stay'));
    await waitFor('the second landing batch', () => kinds.length === 2);
    await stay.evaluate(() => {
      (window as unknown as { touchline: { track(e: string): void } }).touchline.track('Hidden');
      window.dispatchEvent(new Event('pagehide'));
    });
    await waitFor('Hidden', () => eventsNamed('Hidden').length > 0);
    expect(kinds).toEqual(['fetch', 'fetch', 'ping']); // landing batches by fetch, the hide flush by sendBeacon
    await ctx.close();
  });

  it('splits a large queue into bodies under 48 KiB, each event delivered once', async () => {
    const ctx = await newVisitor(browser);
    const page = await ctx.newPage();
    await page.goto(site.url('/'));
    await waitFor('the page view', () => pages().length === 1);
    await page.evaluate(() => {
      const t = (window as unknown as { touchline: { track(e: string, p: object): void; flush(): Promise<void> } }).touchline;
      for (let i = 0; i < 40; i++) t.track('Big', { i, blob: 'é'.repeat(2000) }); // 4 KB of UTF-8 each
      void t.flush();
    });
    const big = await waitFor('40 events', () => eventsNamed('Big').length >= 40 && eventsNamed('Big'), 10_000);
    expect(big.map((e) => e.properties!['i'])).toEqual(Array.from({ length: 40 }, (_, i) => i));
    const posts = col.requests.filter((q) => q.body?.batch.some((e) => e.event === 'Big'));
    expect(posts.length).toBeGreaterThanOrEqual(4);
    for (const q of posts) expect(q.bytes).toBeLessThanOrEqual(48 * 1024);
    await ctx.close();
  });

  it('never throws into the page, even when storage and sendBeacon throw', async () => {
    const ctx = await newVisitor(browser);
    await ctx.addInitScript(() => {
      const deny = () => {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      };
      Object.defineProperty(window, 'localStorage', { get: deny });
      Object.defineProperty(window, 'sessionStorage', { get: deny });
      navigator.sendBeacon = () => {
        throw new Error('sendBeacon is broken');
      };
    });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
    await page.goto(site.url('/?utm_source=locked'));
    const results = await page.evaluate(() => {
      const t = (window as unknown as { touchline: Record<string, (...a: unknown[]) => unknown> }).touchline;
      const circular: Record<string, unknown> = {};
      circular['self'] = circular;
      const out: string[] = [];
      const attempt = (name: string, f: () => unknown) => {
        try {
          f();
          out.push(`${name}: ok`);
        } catch (e) {
          out.push(`${name}: threw ${(e as Error).message}`);
        }
      };
      attempt('circular', () => t['track']!('Circular', circular));
      attempt('bigint', () => t['track']!('BigInt', { n: BigInt(1) }));
      attempt('garbage', () => t['identify']!(null, 5, () => 1));
      attempt('consent', () => t['consent']!({ analytics_storage: true }));
      attempt('track', () => t['track']!('Still works'));
      attempt('hide', () => document.dispatchEvent(new Event('visibilitychange')));
      attempt('pagehide', () => window.dispatchEvent(new Event('pagehide')));
      return out;
    });
    expect(results.every((r) => r.endsWith(': ok')), results.join('\n')).toBe(true);
    await waitFor('Still works', () => eventsNamed('Still works').length > 0);
    expect(pages()[0]!.context!.touches!.first).toMatchObject({ utm_source: 'locked' });
    expect(eventsNamed('Circular')).toEqual([]);
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
