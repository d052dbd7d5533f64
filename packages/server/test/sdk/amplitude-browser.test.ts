/**
 * Amplitude's browser SDK (`@amplitude/analytics-browser`, the UMD build its CDN serves) in a real
 * Chromium, on a shop at `www.shop.test`, pointed at Touchline on `collect.shop.test` with only
 * `serverUrl` and `remoteConfig.serverUrl` set (docs/ingest.md). A visitor lands
 * from a search ad, signs in and buys; the SDK must count every event delivered, and the rows
 * must carry the landing's campaign as the page view's touch and as every later event's first
 * touch.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipReason } from '../../../tracker/test/support/browser.js';
import type { Harness } from '../support/harness.js';
import type { Edge, SdkShop } from './support/sdk-site.js';
import { startSdkRig, until, type SdkRig } from './support/sdk-rig.js';

if (skipReason) console.warn(`[Amplitude browser SDK test skipped] ${skipReason}`);

const GCLID = 'Cj0KCQiA_amp-9xZ_BwE';

describe.skipIf(skipReason)('@amplitude/analytics-browser → Touchline, in Chromium', () => {
  let browser: Browser;
  let h: Harness;
  let edge: Edge;
  let shop: SdkShop;
  let userAgent: string;

  let rig: SdkRig;
  beforeAll(async () => {
    rig = await startSdkRig();
    ({ h, edge, shop, browser, userAgent } = rig);
  });
  afterAll(async () => {
    await rig?.close();
  });

  for (const transport of ['fetch', 'xhr', 'beacon'] as const) {
    it(`lands the page view, identify and purchase with their touches (transport: ${transport})`, async () => {
      // the remote configuration from Touchline too (none: the SDK keeps these options)
      const init = { serverUrl: `${edge.origin}/amplitude/2/httpapi`, remoteConfig: { serverUrl: `${edge.origin}/amplitude/config` }, transport, flushIntervalMillis: 200, autocapture: { attribution: true, pageViews: true, sessions: false, formInteractions: false, fileDownloads: false, elementInteractions: false } };
      shop.setPage(() => `<!doctype html><html><head><meta charset="utf-8"><title>Shoes</title><script src="/amplitude.js"></script>
<script>window.sent = []; amplitude.init(${JSON.stringify(h.writeKey)}, ${JSON.stringify(init)}).promise.then(() => { window.ready = true; });</script></head><body><h1>Shoes</h1></body></html>`);
      const ctx = await browser.newContext({ userAgent });
      const page = await ctx.newPage();
      const requested: string[] = [];
      page.on('request', (r) => requested.push(r.url()));
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      try {
        const edgeFrom = edge.requests.length;
        const landing = shop.url(`/shoes/amp-${transport}?utm_source=google&utm_medium=cpc&utm_campaign=amp%20sale&gclid=${GCLID}`);
        await page.goto(shop.linkFrom('www.google.test', landing));
        await Promise.all([page.waitForURL(landing), page.click('#go')]);
        await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
        const userId = `amp-browser-${transport}`;
        const results = await page.evaluate(async (id) => {
          const a = (window as unknown as Record<string, any>)['amplitude'];
          a.setUserId(id);
          const identify = a.identify(new a.Identify().set('email', `${id}@shop.test`).set('plan', 'pro')).promise;
          const order = a.track('Order Completed', { order_id: `o-${id}`, revenue: 42.5 }).promise;
          return (await Promise.all([identify, order])).map((r: { code: number }) => r.code);
        }, userId);
        // the SDK counts a delivery only on a body saying "code": 200
        expect(results).toEqual([200, 200]);
        const deviceId = await page.evaluate(() => (window as unknown as Record<string, any>)['amplitude'].getDeviceId() as string);
        expect(errors).toEqual([]);

        const rows = await until('the page view, identify and purchase', async () => {
          const r = await h.sql(`
            select type, event, anonymous_id, user_id, url, title, referrer_domain, utm_source, utm_campaign, gclid, click_id_type,
                   first_utm_campaign, first_click_id, library_name, user_agent, is_bot, traits
            from events where anonymous_id = '${deviceId}' and type in ('page', 'identify', 'track') order by original_timestamp`);
          return r.some((x) => x['event'] === 'Order Completed') && r.some((x) => x['type'] === 'page') ? r : undefined;
        });
        const pageView = rows.find((r) => r['type'] === 'page')!;
        // (the SDK reports the page URL percent-decoded; the row keeps what it sent)
        expect(pageView).toMatchObject({ url: decodeURI(landing), title: 'Shoes', referrer_domain: 'google.test', utm_source: 'google', utm_campaign: 'amp sale', gclid: GCLID, click_id_type: 'gclid', first_utm_campaign: 'amp sale', library_name: 'amplitude-ts', user_agent: userAgent, is_bot: false });
        const order = rows.find((r) => r['event'] === 'Order Completed')!;
        // no URL on an Amplitude track call: its campaign is the visitor's touch, stamped by Touchline
        expect(order).toMatchObject({ user_id: userId, first_utm_campaign: 'amp sale', first_click_id: GCLID, utm_campaign: null });
        const identify = rows.filter((r) => r['type'] === 'identify' && r['user_id'] === userId).find((r) => String(r['traits']).includes('email'))!;
        expect(JSON.parse(String(identify['traits']))).toEqual({ email: `${userId}@shop.test`, plan: 'pro' });

        // nothing went to Amplitude: every request stayed on the site, and every answer was a 200
        const hosts = new Set(requested.map((u) => new URL(u).hostname));
        hosts.delete('www.google.test');
        expect([...hosts].sort()).toEqual(['collect.shop.test', 'www.shop.test']);
        const calls = edge.requests.slice(edgeFrom).filter((r) => r.method !== 'OPTIONS');
        expect([...new Set(calls.map((r) => `${r.method} ${r.url} ${r.status}`))].sort()).toEqual([`GET /amplitude/config/${h.writeKey}?config_group=browser 200`, 'POST /amplitude/2/httpapi 200']);
      } finally {
        await ctx.close();
      }
    });
  }
});
