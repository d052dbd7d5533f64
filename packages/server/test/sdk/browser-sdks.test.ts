/**
 * Segment's analytics.js and RudderStack's JavaScript SDK — the real bundles from npm — in a real
 * Chromium (Debian's), on a shop at `www.shop.test`, pointed at Touchline on `collect.shop.test`
 * the way each vendor documents a custom endpoint, in every delivery mode each offers. Each
 * scenario lands a visit (an ad click with UTMs and a gclid from a search engine), an identify
 * and a purchase, and checks the rows: type, ids, properties, traits and page context; and
 * which paths the SDK used, and that it asked nothing of anyone but Touchline.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipReason } from '../../../tracker/test/support/browser.js';
import type { Harness } from '../support/harness.js';
import { rudderStackScript, segmentSnippet, type Edge, type SdkShop } from './support/sdk-site.js';
import { startSdkRig, until, type SdkRig } from './support/sdk-rig.js';

if (skipReason) console.warn(`[browser SDK tests skipped] ${skipReason}`);

const GCLID = 'Cj0KCQiA_sdk-9xZ_BwE';
type Row = Record<string, unknown>;
type Sdk = 'segment' | 'rudderstack';

describe.skipIf(skipReason)('vendor browser SDKs → Touchline, in Chromium', () => {
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

  const html = (title: string, head: string) => `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>${head}</head><body><h1>${title}</h1></body></html>`;
  const segmentPage = (loadOptions: object) =>
    html('Shoes', `<script>${segmentSnippet({ writeKey: h.writeKey, scriptBase: shop.url(''), cdn: edge.origin, loadOptions })}</script>`);
  const rudderPage = (loadOptions: object) =>
    html('Shoes', `<script src="/rsa.js"></script><script>${rudderStackScript({ writeKey: h.writeKey, dataPlaneUrl: edge.origin, loadOptions })}</script>`);
  /** analytics.js's custom API host, as Segment documents it for a proxy. */
  const apiHost = () => ({ apiHost: `${new URL(edge.origin).host}/v1`, protocol: 'http' });

  interface Visit {
    ctx: BrowserContext;
    page: Page;
    landing: string;
    anonymousId: string;
    /** Every URL the page requested. */
    requested: string[];
    /** The bodies the page posted to the collector. */
    posted: Record<string, unknown>[];
    /** Edge requests from this visit on. */
    edgeFrom: number;
  }

  /** A visitor clicks an ad on a search engine and lands on the shop, whose page runs the SDK. */
  async function visit(sdk: Sdk, mode: string): Promise<Visit> {
    const ctx = await browser.newContext({ userAgent });
    const page = await ctx.newPage();
    const requested: string[] = [];
    const posted: Record<string, unknown>[] = [];
    page.on('request', (r) => {
      requested.push(r.url());
      if (r.method() === 'POST' && r.url().startsWith(edge.origin)) posted.push(JSON.parse(r.postData() ?? 'null'));
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const edgeFrom = edge.requests.length;
    const landing = shop.url(`/shoes/${mode}?utm_source=google&utm_medium=cpc&utm_campaign=spring%20sale&gclid=${GCLID}`);
    // clicked on the search engine's page: the browser sets the referrer itself
    await page.goto(shop.linkFrom('www.google.test', landing));
    await Promise.all([page.waitForURL(landing), page.click('#go')]);
    const anonymousId = await page.evaluate(
      (s) =>
        new Promise<string>((resolve) => {
          const w = window as unknown as Record<string, any>;
          if (s === 'segment') w['analytics'].ready(() => resolve(w['analytics'].user().anonymousId()));
          else w['rudder'].ready(() => resolve(w['rudder'].getAnonymousId()));
        }),
      sdk,
    );
    expect(errors).toEqual([]);
    return { ctx, page, landing, anonymousId, requested, posted, edgeFrom };
  }

  /** The visitor signs in and buys; the SDK's own calls, as a site makes them. */
  async function identifyAndBuy(v: Visit, sdk: Sdk, userId: string): Promise<void> {
    await v.page.evaluate(
      ([s, id]) => {
        const w = window as unknown as Record<string, any>;
        const a = s === 'segment' ? w['analytics'] : w['rudder'];
        a.identify(id, { email: `${id}@shop.test`, plan: 'pro' });
        a.track('Order Completed', { order_id: `o-${id}`, revenue: 42.5, currency: 'EUR', items: [{ sku: 'shoe-1', qty: 2 }] });
      },
      [sdk, userId] as const,
    );
  }

  const rowsOf = (anonymousId: string, n: number): Promise<Row[]> =>
    until(`${n} row(s) of ${anonymousId}`, async () => {
      const r = await h.sql(`
        select type, event, name, anonymous_id, user_id, group_id, previous_id, url, path, title, referrer, referrer_domain,
               utm_source, utm_medium, utm_campaign, gclid, click_id_type, library_name, is_bot, user_agent,
               properties, traits
        from events where anonymous_id = '${anonymousId}' and type in ('page', 'identify', 'track') order by original_timestamp, type`);
      return r.length >= n ? r : undefined;
    });

  /** The page view, identify and purchase of one visit (one row each), as the warehouse has them. */
  async function expectVisitRows(v: Visit, userId: string, library: string): Promise<void> {
    const rows = await rowsOf(v.anonymousId, 3);
    const byType = Object.fromEntries(rows.map((r) => [String(r['type']), r]));
    expect(rows.map((r) => r['type']).sort()).toEqual(['identify', 'page', 'track']);
    // (the page's user id depends on whether the SDK sent it before or after the identify)
    expect(byType['page']).toMatchObject({
      anonymous_id: v.anonymousId,
      url: v.landing,
      path: new URL(v.landing).pathname,
      title: 'Shoes',
      referrer_domain: 'google.test',
      utm_source: 'google',
      utm_medium: 'cpc',
      utm_campaign: 'spring sale',
      gclid: GCLID,
      click_id_type: 'gclid',
      library_name: library,
      user_agent: userAgent,
      is_bot: false,
    });
    expect(byType['identify']).toMatchObject({ anonymous_id: v.anonymousId, user_id: userId, url: v.landing, library_name: library });
    expect(JSON.parse(String(byType['identify']!['traits']))).toEqual({ email: `${userId}@shop.test`, plan: 'pro' });
    expect(byType['track']).toMatchObject({ event: 'Order Completed', anonymous_id: v.anonymousId, user_id: userId, url: v.landing, utm_campaign: 'spring sale', gclid: GCLID });
    expect(JSON.parse(String(byType['track']!['properties']))).toEqual({ order_id: `o-${userId}`, revenue: 42.5, currency: 'EUR', items: [{ sku: 'shoe-1', qty: 2 }] });
  }

  /** The edge's requests of this visit, as `METHOD path` (query dropped), preflights apart. */
  const edgeCalls = (v: Visit) => edge.requests.slice(v.edgeFrom).filter((r) => r.method !== 'OPTIONS');
  const paths = (v: Visit) => [...new Set(edgeCalls(v).map((r) => `${r.method} ${r.url.split('?')[0]}`))].sort();

  /** Nothing went to the vendor (its CDN, API, metrics, error reporting): every request stayed on the site. */
  function expectOnlySite(v: Visit): void {
    const hosts = new Set(v.requested.map((u) => new URL(u).hostname));
    hosts.delete('www.google.test');
    expect([...hosts].sort()).toEqual(['collect.shop.test', 'www.shop.test']);
    for (const r of edgeCalls(v)) expect(r.status, `${r.method} ${r.url}`).toBe(200);
  }

  describe('Segment analytics.js (snippet, custom proxy)', () => {
    it('default delivery (one fetch per call): /v1/p, /v1/i, /v1/t, /v1/g, /v1/a', async () => {
      shop.setPage(() => segmentPage({ integrations: { 'Segment.io': apiHost() } }));
      const v = await visit('segment', 'ajs-standard');
      try {
        await identifyAndBuy(v, 'segment', 'ajs-standard');
        await v.page.evaluate(() => {
          const a = (window as unknown as Record<string, any>)['analytics'];
          a.group('acme', { employees: 50 });
          a.alias('ajs-standard-new', 'ajs-standard');
        });
        await expectVisitRows(v, 'ajs-standard', 'analytics.js');
        const [group] = await until('the group row', async () => {
          const r = await h.sql(`select group_id, user_id, traits from events where type = 'group' and anonymous_id = '${v.anonymousId}'`);
          return r.length ? r : undefined;
        });
        expect(group).toMatchObject({ group_id: 'acme', user_id: 'ajs-standard' });
        expect(JSON.parse(String(group!['traits']))).toEqual({ employees: 50 });
        const [alias] = await until('the alias row', async () => {
          const r = await h.sql(`select user_id, previous_id from events where type = 'alias' and anonymous_id = '${v.anonymousId}'`);
          return r.length ? r : undefined;
        });
        // analytics.js sends the current user as userId too (its own choice): the row holds what it sent
        const sent = v.posted.find((b) => b['type'] === 'alias')!;
        expect(sent).toMatchObject({ previousId: 'ajs-standard' });
        expect(alias).toEqual({ user_id: sent['userId'], previous_id: 'ajs-standard' });
        expect(paths(v)).toEqual([`GET /v1/projects/${h.writeKey}/settings`, 'POST /v1/a', 'POST /v1/g', 'POST /v1/i', 'POST /v1/p', 'POST /v1/t']);
        expectOnlySite(v);
      } finally {
        await v.ctx.close();
      }
    });

    it('default delivery with keepalive: the calls made just before leaving the page arrive', async () => {
      shop.setPage(() => segmentPage({ integrations: { 'Segment.io': { ...apiHost(), deliveryStrategy: { strategy: 'standard', config: { keepalive: true } } } } }));
      const v = await visit('segment', 'ajs-keepalive');
      try {
        await identifyAndBuy(v, 'segment', 'ajs-keepalive');
        await v.page.goto(shop.url('/__away', 'www.elsewhere.test')); // leaves at once
        await expectVisitRows(v, 'ajs-keepalive', 'analytics.js');
        expect(paths(v)).toEqual([`GET /v1/projects/${h.writeKey}/settings`, 'POST /v1/i', 'POST /v1/p', 'POST /v1/t']);
      } finally {
        await v.ctx.close();
      }
    });

    it('batching (deliveryStrategy batching), the API host taken from the settings alone: /v1/b', async () => {
      // no apiHost in the load options: the settings Touchline answers name it
      shop.setPage(() => segmentPage({ integrations: { 'Segment.io': { deliveryStrategy: { strategy: 'batching', config: { size: 3, timeout: 500 } } } } }));
      const v = await visit('segment', 'ajs-batching');
      try {
        await identifyAndBuy(v, 'segment', 'ajs-batching');
        await expectVisitRows(v, 'ajs-batching', 'analytics.js');
        expect(paths(v)).toEqual([`GET /v1/projects/${h.writeKey}/settings`, 'POST /v1/b']);
        expectOnlySite(v);
      } finally {
        await v.ctx.close();
      }
    });

    it('batching flushed when the page is hidden (keepalive fetch on pagehide)', async () => {
      // a batch that would wait a minute: only leaving the page sends it
      shop.setPage(() => segmentPage({ integrations: { 'Segment.io': { ...apiHost(), deliveryStrategy: { strategy: 'batching', config: { size: 100, timeout: 60_000 } } } } }));
      const v = await visit('segment', 'ajs-pagehide');
      try {
        await identifyAndBuy(v, 'segment', 'ajs-pagehide');
        await new Promise((r) => setTimeout(r, 500));
        expect(paths(v)).toEqual([`GET /v1/projects/${h.writeKey}/settings`]); // nothing sent yet
        await v.page.goto(shop.url('/__away', 'www.elsewhere.test'));
        await expectVisitRows(v, 'ajs-pagehide', 'analytics.js');
        expect(paths(v)).toEqual([`GET /v1/projects/${h.writeKey}/settings`, 'POST /v1/b']);
      } finally {
        await v.ctx.close();
      }
    });

    it('a failed delivery is retried, its X-Retry-Count header allowed by the preflight', async () => {
      shop.setPage(() => segmentPage({ integrations: { 'Segment.io': apiHost() } }));
      const v = await visit('segment', 'ajs-retry');
      try {
        edge.failOnce(/^\/v1\/t$/);
        await identifyAndBuy(v, 'segment', 'ajs-retry');
        await expectVisitRows(v, 'ajs-retry', 'analytics.js');
        const tracks = edgeCalls(v).filter((r) => r.url === '/v1/t');
        expect(tracks.map((r) => [r.status, r.headers['x-retry-count']])).toEqual([[503, undefined], [200, '1']]);
      } finally {
        await v.ctx.close();
      }
    });
  });

  describe('RudderStack JavaScript SDK v3 (npm, bundled; self-hosted data and control plane)', () => {
    it('XHR transport (one request per call): /v1/page, /v1/identify, /v1/track, /v1/group, /v1/alias', async () => {
      shop.setPage(() => rudderPage({}));
      const v = await visit('rudderstack', 'rs-xhr');
      try {
        await identifyAndBuy(v, 'rudderstack', 'rs-xhr');
        await v.page.evaluate(() => {
          const r = (window as unknown as Record<string, any>)['rudder'];
          r.group('acme', { employees: 50 });
          r.alias('rs-xhr-new');
        });
        await expectVisitRows(v, 'rs-xhr', 'RudderLabs JavaScript SDK');
        const [group] = await until('the group row', async () => {
          const r = await h.sql(`select group_id, user_id, traits from events where type = 'group' and anonymous_id = '${v.anonymousId}'`);
          return r.length ? r : undefined;
        });
        expect(group).toMatchObject({ group_id: 'acme', user_id: 'rs-xhr' });
        expect(JSON.parse(String(group!['traits']))).toEqual({ employees: 50 });
        const [alias] = await until('the alias row', async () => {
          const r = await h.sql(`select user_id, previous_id from events where type = 'alias' and anonymous_id = '${v.anonymousId}'`);
          return r.length ? r : undefined;
        });
        expect(alias).toEqual({ user_id: 'rs-xhr-new', previous_id: 'rs-xhr' });
        expect(paths(v)).toEqual(['GET /sourceConfig/', 'POST /v1/alias', 'POST /v1/group', 'POST /v1/identify', 'POST /v1/page', 'POST /v1/track']);
        // the headers the preflight had to allow
        const track = edgeCalls(v).find((r) => r.url === '/v1/track')!;
        expect(Buffer.from(String(track.headers['anonymousid']), 'base64').toString()).toBe(v.anonymousId);
        expect(track.headers['sentat']).toMatch(/^\d{4}-\d\d-\d\dT/);
        expectOnlySite(v);
      } finally {
        await v.ctx.close();
      }
    });

    it('XHR transport, batching (queueOptions.batch): /v1/batch', async () => {
      shop.setPage(() => rudderPage({ queueOptions: { batch: { enabled: true, maxItems: 3, flushInterval: 500 } } }));
      const v = await visit('rudderstack', 'rs-batch');
      try {
        await identifyAndBuy(v, 'rudderstack', 'rs-batch');
        await expectVisitRows(v, 'rs-batch', 'RudderLabs JavaScript SDK');
        expect(paths(v)).toEqual(['GET /sourceConfig/', 'POST /v1/batch']);
        expectOnlySite(v);
      } finally {
        await v.ctx.close();
      }
    });

    it('beacon transport (useBeacon): /beacon/v1/batch?writeKey=…', async () => {
      shop.setPage(() => rudderPage({ useBeacon: true, beaconQueueOptions: { maxItems: 3, flushQueueInterval: 500 } }));
      const v = await visit('rudderstack', 'rs-beacon');
      try {
        await identifyAndBuy(v, 'rudderstack', 'rs-beacon');
        await expectVisitRows(v, 'rs-beacon', 'RudderLabs JavaScript SDK');
        expect(paths(v)).toEqual(['GET /sourceConfig/', 'POST /beacon/v1/batch']);
        for (const r of edgeCalls(v).filter((c) => c.method === 'POST')) {
          expect(r.url).toBe(`/beacon/v1/batch?writeKey=${h.writeKey}`);
          expect(r.headers['authorization']).toBeUndefined();
        }
        expectOnlySite(v);
      } finally {
        await v.ctx.close();
      }
    });

    it('beacon transport flushed when the page is left', async () => {
      // the default beacon queue waits ten minutes or ten events: only leaving the page sends it
      shop.setPage(() => rudderPage({ useBeacon: true }));
      const v = await visit('rudderstack', 'rs-leave');
      try {
        await identifyAndBuy(v, 'rudderstack', 'rs-leave');
        await new Promise((r) => setTimeout(r, 500));
        expect(paths(v)).toEqual(['GET /sourceConfig/']);
        await v.page.goto(shop.url('/__away', 'www.elsewhere.test'));
        await expectVisitRows(v, 'rs-leave', 'RudderLabs JavaScript SDK');
        expect(paths(v)).toEqual(['GET /sourceConfig/', 'POST /beacon/v1/batch']);
      } finally {
        await v.ctx.close();
      }
    });

    it('a failed delivery is retried, its Rsa-* retry headers allowed by the preflight', async () => {
      shop.setPage(() => rudderPage({ queueOptions: { minRetryDelay: 200 } }));
      const v = await visit('rudderstack', 'rs-retry');
      try {
        edge.failOnce(/^\/v1\/track$/);
        await identifyAndBuy(v, 'rudderstack', 'rs-retry');
        await expectVisitRows(v, 'rs-retry', 'RudderLabs JavaScript SDK');
        const tracks = edgeCalls(v).filter((r) => r.url === '/v1/track');
        expect(tracks.map((r) => [r.status, r.headers['rsa-retry-attempt']])).toEqual([[503, undefined], [200, '1']]);
        for (const h of ['rsa-retry-reason', 'rsa-since-first-attempt', 'rsa-since-last-attempt']) expect(tracks[1]!.headers[h], h).toMatch(/\S/);
      } finally {
        await v.ctx.close();
      }
    });
  });
});
