/**
 * posthog-js (the `array.full.js` build its snippet loads) in a real Chromium, on a shop at
 * `www.shop.test`, pointed at Touchline on `collect.shop.test` with only `api_host` changed: it
 * fetches its configuration from Touchline (features off), posts gzip-js and, on leaving, beacons;
 * the visitor lands from a TikTok ad, signs in and buys. The page view carries the campaign; the
 * identify joins the device's anonymous id to the user; the purchase carries the first touch.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipReason } from '../../../tracker/test/support/browser.js';
import type { Harness } from '../support/harness.js';
import type { Edge, SdkShop } from './support/sdk-site.js';
import { startSdkRig, until, type SdkRig } from './support/sdk-rig.js';

if (skipReason) console.warn(`[posthog-js test skipped] ${skipReason}`);

describe.skipIf(skipReason)('posthog-js → Touchline, in Chromium', () => {
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

  it('lands the page view, identify and purchase with their touches, asking nothing of PostHog', async () => {
    const init = { api_host: `${edge.origin}/posthog`, person_profiles: 'always', request_batching: true, opt_out_useragent_filter: true };
    // (Chromium under automation sets navigator.webdriver, which posthog-js drops as a bot; its docs say to set this in end-to-end tests)
    shop.setPage(() => `<!doctype html><html><head><meta charset="utf-8"><title>Shoes</title><script src="/posthog.js"></script>
<script>posthog.init(${JSON.stringify(h.writeKey)}, Object.assign(${JSON.stringify(init)}, { loaded: function () { window.ready = true; } }));</script></head><body><h1>Shoes</h1></body></html>`);
    const ctx = await browser.newContext({ userAgent });
    const page = await ctx.newPage();
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    try {
      const edgeFrom = edge.requests.length;
      const landing = shop.url(`/shoes/ph?utm_source=tiktok&utm_medium=paid_social&utm_campaign=ph%20launch&ttclid=E.C.P.ph-tt`);
      await page.goto(shop.linkFrom('www.tiktok.test', landing));
      await Promise.all([page.waitForURL(landing), page.click('#go')]);
      await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
      const deviceId = await page.evaluate(() => (window as unknown as Record<string, any>)['posthog'].get_distinct_id() as string);
      await page.evaluate(() => {
        const p = (window as unknown as Record<string, any>)['posthog'];
        p.identify('ph-browser-user', { email: 'ph@shop.test', plan: 'pro' });
        p.capture('Order Completed', { order_id: 'o-ph', revenue: 42.5 });
      });
      // posthog-js sends the $identify at once (its own request, not queued): a navigation started
      // before that request is out cancels it, as it would for a real visitor who leaves within
      // milliseconds. Stay until it has landed, then leave, which flushes the queue (sendBeacon).
      await until('the identify', async () => ((await h.sql(`select 1 from events where type = 'identify' and anonymous_id = '${deviceId}'`)).length ? true : undefined));
      await page.goto('about:blank');
      expect(errors).toEqual([]);

      const rows = await until('the page view, identify and purchase', async () => {
        const r = await h.sql(`
          select type, event, anonymous_id, user_id, url, referrer_domain, utm_source, utm_campaign, ttclid, first_utm_campaign, library_name, user_agent, is_bot, traits
          from events where anonymous_id = '${deviceId}' order by original_timestamp`);
        // posthog-js sends the identify and the capture in separate requests: wait for all three rows.
        return r.some((x) => x['event'] === 'Order Completed') && r.some((x) => x['type'] === 'identify') && r.some((x) => x['type'] === 'page') ? r : undefined;
      });
      const pageView = rows.find((r) => r['type'] === 'page')!;
      expect(pageView).toMatchObject({ url: landing, referrer_domain: 'tiktok.test', utm_source: 'tiktok', utm_campaign: 'ph launch', ttclid: 'E.C.P.ph-tt', library_name: 'web', user_agent: userAgent, is_bot: false });
      const identify = rows.find((r) => r['type'] === 'identify')!;
      expect(identify).toMatchObject({ user_id: 'ph-browser-user', anonymous_id: deviceId });
      expect(JSON.parse(String(identify['traits']))).toMatchObject({ email: 'ph@shop.test', plan: 'pro' });
      const order = rows.find((r) => r['event'] === 'Order Completed')!;
      expect(order).toMatchObject({ user_id: 'ph-browser-user', anonymous_id: deviceId, first_utm_campaign: 'ph launch' });

      const hosts = new Set(requested.filter((u) => u.startsWith('http')).map((u) => new URL(u).hostname));
      hosts.delete('www.tiktok.test');
      expect([...hosts].sort()).toEqual(['collect.shop.test', 'www.shop.test']);
      const calls = edge.requests.slice(edgeFrom).filter((r) => r.method !== 'OPTIONS');
      for (const c of calls) expect(c.status, `${c.method} ${c.url}`).toBe(200);
      expect([...new Set(calls.map((r) => `${r.method} ${r.url.split('?')[0]}`))].sort()).toEqual([`GET /posthog/array/${h.writeKey}/config`, 'POST /posthog/e/', 'POST /posthog/flags/']);
    } finally {
      await ctx.close();
    }
  });
});
