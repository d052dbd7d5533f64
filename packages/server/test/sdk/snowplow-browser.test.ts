/**
 * Snowplow's JavaScript tracker (`@snowplow/browser-tracker`, its UMD build) in a real Chromium,
 * on a shop at `www.shop.test`, pointed at Touchline on `collect.shop.test` as its collector:
 * POST (tp2, batched) and GET (`/i`), the write key as the app id or in the collector path. A
 * visitor lands from a Meta ad; page view, structured and self-describing events (with base64
 * contexts) and a sign-in land with their touches.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipReason } from '../../../tracker/test/support/browser.js';
import type { Harness } from '../support/harness.js';
import type { Edge, SdkShop } from './support/sdk-site.js';
import { startSdkRig, until, type SdkRig } from './support/sdk-rig.js';

if (skipReason) console.warn(`[Snowplow browser tracker test skipped] ${skipReason}`);

describe.skipIf(skipReason)('@snowplow/browser-tracker → Touchline, in Chromium', () => {
  let browser: Browser;
  let h: Harness;
  let edge: Edge;
  let shop: SdkShop;
  let userAgent: string;

  let rig: SdkRig;
  beforeAll(async () => {
    // The tracker sends cookies (`credentials: 'include'`): only the site's own origins get a
    // CORS answer with credentials, so the shop's domain is configured as a real site would be.
    rig = await startSdkRig({ tracker: { siteDomains: ['shop.test'] } });
    ({ h, edge, shop, browser, userAgent } = rig);
  });
  afterAll(async () => {
    await rig?.close();
  });

  const modes = [
    { name: 'POST, key as app id', method: 'post', keyIn: 'aid', path: '/snowplow/com.snowplowanalytics.snowplow/tp2' },
    { name: 'GET, key in the collector path', method: 'get', keyIn: 'path', path: '/snowplow/<key>/i' },
  ] as const;

  for (const mode of modes) {
    it(`lands page view, structured and self-describing events and the sign-in (${mode.name})`, async () => {
      const collector = `${edge.origin}/snowplow${mode.keyIn === 'path' ? `/${h.writeKey}` : ''}`;
      const config = { appId: mode.keyIn === 'aid' ? h.writeKey : 'shop-web', eventMethod: mode.method, bufferSize: mode.method === 'post' ? 3 : 1, contexts: { webPage: true }, stateStorageStrategy: 'cookieAndLocalStorage', cookieSameSite: 'Lax', cookieSecure: false };
      // (the shop is served over http here: the tracker's default cookie is Secure; SameSite=None)
      shop.setPage(() => `<!doctype html><html><head><meta charset="utf-8"><title>Shoes</title><script src="/snowplow.js"></script>
<script>var sp = window.snowplowBrowserTracking; sp.newTracker('sp', ${JSON.stringify(collector)}, ${JSON.stringify(config)}); sp.trackPageView(); window.ready = true;</script></head><body><h1>Shoes</h1></body></html>`);
      const ctx = await browser.newContext({ userAgent });
      const page = await ctx.newPage();
      const requested: string[] = [];
      page.on('request', (r) => requested.push(r.url()));
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      try {
        const edgeFrom = edge.requests.length;
        const tag = mode.method;
        const landing = shop.url(`/shoes/sp-${tag}?utm_source=facebook&utm_medium=paid_social&utm_campaign=sp%20${tag}&fbclid=IwAR-sp-${tag}`);
        await page.goto(shop.linkFrom('www.facebook.test', landing));
        await Promise.all([page.waitForURL(landing), page.click('#go')]);
        await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
        const userId = `sp-user-${tag}`;
        await page.evaluate((id) => {
          const sp = (window as unknown as Record<string, any>)['snowplowBrowserTracking'];
          sp.setUserId(id);
          sp.trackStructEvent({ category: 'shop', action: 'add-to-basket', label: 'shoe-1', property: 'red', value: 2 });
          sp.trackSelfDescribingEvent({
            event: { schema: 'iglu:com.shop/order_completed/jsonschema/1-0-0', data: { order_id: `o-${id}`, revenue: 42.5 } },
            context: [{ schema: 'iglu:com.shop/basket/jsonschema/1-0-0', data: { items: 2, note: 'ünïcödé ✓' } }],
          });
        }, userId);
        expect(errors).toEqual([]);
        // the tracker's domain user id (duid), from its first-party cookie `_sp_id.<hash>` = `duid.created.…`
        const duid = await page.evaluate(() => {
          const c = document.cookie.split('; ').find((x) => x.startsWith('_sp_id.'));
          return c ? decodeURIComponent(c.slice(c.indexOf('=') + 1)).split('.')[0]! : '';
        });
        expect(duid, await page.evaluate(() => document.cookie + ' / ' + Object.keys(localStorage).join(','))).not.toBe('');

        const rows = await until('the page view, the structured and the self-describing event', async () => {
          const r = await h.sql(`
            select type, event, anonymous_id, user_id, url, title, referrer_domain, utm_campaign, fbclid, first_utm_campaign, library_name, user_agent, is_bot, properties, context
            from events where anonymous_id = '${duid}' order by original_timestamp`);
          return r.length >= 3 ? r : undefined;
        });
        const pv = rows.find((r) => r['type'] === 'page')!;
        expect(pv).toMatchObject({ url: landing, title: 'Shoes', referrer_domain: 'facebook.test', utm_campaign: `sp ${tag}`, fbclid: `IwAR-sp-${tag}`, first_utm_campaign: `sp ${tag}`, library_name: 'snowplow', user_agent: userAgent, is_bot: false });
        const se = rows.find((r) => r['event'] === 'add-to-basket')!;
        expect(se).toMatchObject({ user_id: userId, first_utm_campaign: `sp ${tag}` });
        expect(JSON.parse(String(se['properties']))).toEqual({ category: 'shop', label: 'shoe-1', property: 'red', value: 2 });
        const ue = rows.find((r) => r['event'] === 'order_completed')!;
        expect(ue).toMatchObject({ user_id: userId });
        expect(JSON.parse(String(ue['properties']))).toEqual({ order_id: `o-${userId}`, revenue: 42.5, schema: 'iglu:com.shop/order_completed/jsonschema/1-0-0' });
        const contexts = JSON.parse(String(ue['context']))['snowplow']['contexts'] as { schema: string; data: unknown }[];
        expect(contexts.find((c) => c.schema === 'iglu:com.shop/basket/jsonschema/1-0-0')?.data).toEqual({ items: 2, note: 'ünïcödé ✓' });
        // the write key, sent as the app id, is not stored with the events
        for (const r of rows) expect(String(r['context'])).not.toContain(h.writeKey);

        const hosts = new Set(requested.map((u) => new URL(u).hostname));
        hosts.delete('www.facebook.test');
        expect([...hosts].sort()).toEqual(['collect.shop.test', 'www.shop.test']);
        const calls = edge.requests.slice(edgeFrom).filter((r) => r.method !== 'OPTIONS');
        expect([...new Set(calls.map((r) => `${r.method} ${r.url.split('?')[0]} ${r.status}`))]).toEqual([`${mode.method.toUpperCase()} ${mode.path.replace('<key>', h.writeKey)} 200`]);
      } finally {
        await ctx.close();
      }
    });
  }
});
