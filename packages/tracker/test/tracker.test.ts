/**
 * The tracker's behaviour against a fake browser (test/support/fake-world.ts): consent, the
 * collector's authority, transport, SPA page views, the Segment call shapes, and never throwing.
 */
import { describe, expect, it, vi } from 'vitest';
import type { SegmentEvent } from '@touchline/protocol';
import { CONSENT_EVENT } from '../src/index.js';
import { createWorld, T0 } from './support/fake-world.js';

const SHOP = 'https://www.shop.test';
const LANDING = `${SHOP}/?utm_source=google&utm_medium=cpc&gclid=Cj0KCQ_x`;
const GRANTED = { analytics_storage: true, ad_storage: true, ad_user_data: true, ad_personalization: true };
const DENIED = { analytics_storage: false, ad_storage: false, ad_user_data: false, ad_personalization: false };
const names = (evs: SegmentEvent[]) => evs.map((e) => e.event ?? e.type);

describe('consent', () => {
  it('before consent: no storage access at all and nothing sent; the landing is held in memory', async () => {
    const w = createWorld();
    const p = w.open(LANDING, 'https://www.google.com/', { requireConsent: true });
    p.tracker.page();
    p.tracker.identify('u1', { plan: 'pro' });
    p.tracker.track('Added to Cart', { sku: 'A' });
    await w.tick(60_000);
    p.hide();
    await p.tracker.flush();
    await w.tick(60_000);
    expect(w.ops).toEqual([]);
    expect(w.requests).toEqual([]);
  });

  it('consent granted on the same page: the held calls are sent with the landing touch, then stored', async () => {
    const w = createWorld();
    const p = w.open(LANDING, 'https://www.google.com/', { requireConsent: true });
    p.tracker.page();
    p.tracker.identify('u1');
    p.tracker.track('Added to Cart');
    await w.tick(5000);
    p.tracker.consent({ analytics_storage: true, ad_storage: true });
    await w.settle();
    const evs = w.events();
    expect(names(evs)).toEqual(['page', 'identify', 'Added to Cart', CONSENT_EVENT]);
    for (const e of evs) {
      expect(e.context!.touches!.first).toMatchObject({ url: LANDING, utm_source: 'google', click_id: 'Cj0KCQ_x', at: new Date(T0).toISOString() });
      expect(e.context!.consent).toEqual({ ...DENIED, analytics_storage: true, ad_storage: true });
      expect(e.anonymousId).toBe(evs[0]!.anonymousId);
    }
    expect(evs[2]!.userId).toBe('u1');
    const saved = JSON.parse(w.store.get('_tl')!);
    expect(saved).toMatchObject({ a: evs[0]!.anonymousId, u: 'u1', s: { first: { utm_source: 'google' } } });
  });

  it('a returning visitor: nothing is read before consent; after it, the stored first touch is attached', async () => {
    const w = createWorld();
    w.open(LANDING, 'https://www.google.com/').tracker.page(); // earlier visit, consent not required then
    await w.tick(1000);
    const aid = w.events()[0]!.anonymousId;
    w.ops.length = 0;
    w.requests.length = 0;
    await w.tick(86_400_000);
    const p = w.open(`${SHOP}/pricing`, '', { requireConsent: true });
    p.tracker.page();
    await w.tick(5000);
    expect(w.ops).toEqual([]);
    p.tracker.consent({ analytics_storage: true });
    await w.settle();
    const [page] = w.events();
    expect(page!.anonymousId).toBe(aid);
    expect(page!.context!.touches!.first).toMatchObject({ utm_source: 'google' });
    expect(page!.context!.touches!.session).toMatchObject({ url: `${SHOP}/pricing` });
  });

  it('withdrawal: the collector is told (by beacon), the storage is wiped, nothing more is sent or stored', async () => {
    const w = createWorld();
    const p = w.open(LANDING);
    p.tracker.page();
    await w.tick(1000);
    expect(w.store.has('_tl')).toBe(true);
    p.tracker.consent({ analytics_storage: false });
    const last = w.requests.at(-1)!;
    expect(last.via).toBe('beacon');
    expect(last.batch.map((e) => [e.event, e.context!.consent])).toEqual([[CONSENT_EVENT, { ...GRANTED, analytics_storage: false }]]);
    expect(w.store.size).toBe(0);
    const ops = w.ops.length;
    const sent = w.requests.length;
    p.tracker.track('After withdrawal');
    p.hide();
    await w.tick(60_000);
    expect(w.ops.length).toBe(ops);
    expect(w.requests.length).toBe(sent);
  });

  it('every event carries the consent state and Global Privacy Control', async () => {
    const w = createWorld();
    w.gpc = true;
    const p = w.open(LANDING, '', { consent: { ad_user_data: false, ad_personalization: false } });
    p.tracker.track('X');
    await w.tick(1000);
    expect(w.events()[0]!.context).toMatchObject({ consent: { ...GRANTED, ad_user_data: false, ad_personalization: false }, gpc: true });
  });

  it('a consent update that keeps analytics_storage is recorded too', async () => {
    const w = createWorld();
    const p = w.open(LANDING);
    p.tracker.consent({ ad_personalization: false });
    await w.settle();
    expect(w.events().map((e) => [e.event, e.context!.consent!.ad_personalization])).toEqual([[CONSENT_EVENT, false]]);
  });
});

describe('consent in Google\'s wording', () => {
  it("consent({ analytics_storage: 'granted' }) grants, as gtag('consent', 'update', …) is written; 'denied' withdraws", async () => {
    const w = createWorld();
    const p = w.open(LANDING, '', { requireConsent: true });
    p.tracker.page();
    p.tracker.consent({ analytics_storage: 'granted', ad_storage: 'denied', ad_user_data: 'granted' });
    await w.settle();
    expect(names(w.events())).toEqual(['page', CONSENT_EVENT]);
    // the wire carries booleans, as the collector reads them
    expect(w.events()[0]!.context!.consent).toEqual({ analytics_storage: true, ad_storage: false, ad_user_data: true, ad_personalization: false });
    p.tracker.consent({ analytics_storage: 'denied' });
    expect(w.requests.at(-1)).toMatchObject({ via: 'beacon' });
    expect(w.store.size).toBe(0);
  });

  it('the initial consent option takes the same wording', async () => {
    const w = createWorld();
    const p = w.open(LANDING, '', { requireConsent: true, consent: { analytics_storage: 'granted', ad_personalization: 'denied' } });
    p.tracker.track('X');
    await w.tick(1000);
    expect(w.events()[0]!.context!.consent).toEqual({ analytics_storage: true, ad_storage: false, ad_user_data: false, ad_personalization: false });
  });

  it('anything else is ignored with a console warning, never thrown, and never grants', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const w = createWorld();
      const p = w.open(LANDING, '', { requireConsent: true });
      p.tracker.page();
      for (const v of ['yes', 'GRANTED', 1, 'true', {}, ['granted']]) {
        expect(() => p.tracker.consent({ analytics_storage: v as never })).not.toThrow();
      }
      await w.tick(5000);
      expect(w.requests).toEqual([]);
      expect(w.ops).toEqual([]);
      expect(warn).toHaveBeenCalledTimes(6);
      expect(warn.mock.calls[0]).toEqual(['touchline: consent needs "granted"/"denied":', { analytics_storage: 'yes' }]);
      // keys Consent Mode has besides the four (gtag's wait_for_update, functionality_storage) are not signals here: no warning
      p.tracker.consent({ wait_for_update: 500, functionality_storage: 'granted', analytics_storage: 'granted' } as never);
      await w.settle();
      expect(warn).toHaveBeenCalledTimes(6);
      expect(names(w.events())).toEqual(['page', CONSENT_EVENT]);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('only arrivals start touches and sessions', () => {
  const TAGGED = `${SHOP}/?utm_source=newsletter&utm_medium=email&utm_campaign=may`;

  it('a page view then a track on the same UTM-tagged URL: one touch, at the page view', async () => {
    const w = createWorld();
    const p = w.open(TAGGED, 'https://mail.example/');
    p.tracker.page();
    await w.tick(60_000);
    p.tracker.track('Added to Cart');
    await w.tick(1000);
    const [page, track] = w.events();
    expect(page!.context!.touches!.last).toMatchObject({ utm_campaign: 'may', at: new Date(T0).toISOString() });
    expect(track!.context!.touches).toEqual(page!.context!.touches);
  });

  it('after 30 idle minutes a track on a UTM-tagged URL makes no touch and opens no session', async () => {
    const w = createWorld();
    const p = w.open(TAGGED, 'https://mail.example/');
    p.tracker.page();
    await w.tick(45 * 60_000);
    p.tracker.track('Came back');
    await w.tick(1000);
    const [page, track] = w.events();
    expect(track!.context!.touches).toEqual(page!.context!.touches);
    expect(JSON.parse(w.store.get('_tl')!).s.seen).toBe(new Date(T0 + 45 * 60_000).toISOString());
  });

  it('identify, group and alias never start a touch either', async () => {
    const w = createWorld();
    const p = w.open(TAGGED, 'https://mail.example/');
    p.tracker.identify('u-1');
    p.tracker.group('g-1');
    p.tracker.alias('u-2');
    await w.tick(1000);
    for (const e of w.events()) expect(e.context!.touches, e.type).toEqual({});
  });

  it('without a page view, the tracker keeps no touch from the landing', async () => {
    const w = createWorld();
    const p = w.open(TAGGED, 'https://mail.example/');
    p.tracker.track('Only a track');
    await w.tick(1000);
    expect(w.events()[0]!.context!.touches).toEqual({});
    // a page view later on this document is its arrival: the landing, with its referrer
    p.tracker.page();
    await w.tick(1000);
    expect(w.events()[1]!.context!.touches!.first).toMatchObject({ utm_campaign: 'may', referrer_domain: 'mail.example' });
  });
});

describe('the collector is the authority', () => {
  it("its first touch and anonymous id replace the browser's (storage wiped: the true first touch still returns)", async () => {
    const w = createWorld();
    const truth = { at: '2024-11-02T08:00:00.000Z', url: `${SHOP}/?utm_source=linkedin`, utm_source: 'linkedin' };
    w.answers.push({ status: 200, json: { success: true, touches: { first: truth, last: truth }, anonymousId: 'srv-42' } });
    const p = w.open(`${SHOP}/`, '', {}); // a browser whose storage was wiped: direct, knows nothing
    p.tracker.page();
    await w.tick(1000);
    expect(w.events()[0]!.context!.touches!.first).toBeUndefined();
    p.tracker.track('Signed Up');
    await w.tick(1000);
    const e = w.events()[1]!;
    expect(e.anonymousId).toBe('srv-42');
    expect(e.context!.touches).toMatchObject({ first: truth, last: truth });
    expect(JSON.parse(w.store.get('_tl')!)).toMatchObject({ a: 'srv-42', s: { first: truth } });
  });

  it('an answer without touches or id changes nothing', async () => {
    const w = createWorld();
    w.answers.push({ status: 200, json: null }, { status: 204, json: 'ok' });
    const p = w.open(LANDING);
    p.tracker.page();
    await w.tick(1000);
    p.tracker.track('X');
    await w.tick(1000);
    const [a, b] = w.events();
    expect(b!.anonymousId).toBe(a!.anonymousId);
    expect(b!.context!.touches!.first).toEqual(a!.context!.touches!.first);
  });
});

describe('transport', () => {
  it('batches calls into one Segment batch body, with sentAt and writeKey; the landing batch goes at once', async () => {
    const w = createWorld();
    const p = w.open(LANDING);
    p.tracker.page();
    p.tracker.track('A');
    await w.tick(0); // what the page queued while loading leaves on the next tick
    expect(w.requests.map((r) => names(r.batch))).toEqual([['page', 'A']]);
    p.tracker.track('B');
    p.tracker.track('C');
    await w.tick(999);
    expect(w.requests).toHaveLength(1);
    await w.tick(1); // later calls wait flushInterval (1 s) to be batched
    expect(w.requests).toHaveLength(2);
    const r = w.requests[1]!;
    expect(r.url).toBe('/_t/b');
    expect(Object.keys(JSON.parse(r.body))).toEqual(['batch', 'sentAt', 'writeKey']);
    expect(JSON.parse(r.body)).toMatchObject({ sentAt: new Date(T0 + 1000).toISOString(), writeKey: 'wk_test' });
    expect(names(r.batch)).toEqual(['B', 'C']);
    expect(new Set(w.events().map((e) => e.messageId)).size).toBe(4);
  });

  it('splits what is queued into bodies of at most 48 KiB, each event once, in order', async () => {
    const w = createWorld();
    const p = w.open(LANDING, '', { endpoint: 'https://collect.shop.test/x' });
    for (let i = 0; i < 40; i++) p.tracker.track(`E${i}`, { blob: 'x'.repeat(4000), i });
    await w.tick(1000);
    expect(w.requests.length).toBeGreaterThanOrEqual(4);
    for (const r of w.requests) expect(r.bytes).toBeLessThanOrEqual(48 * 1024);
    expect(names(w.events())).toEqual(Array.from({ length: 40 }, (_, i) => `E${i}`));
    expect(w.requests.every((r) => r.url === 'https://collect.shop.test/x')).toBe(true);
  });

  it('drops an event that alone exceeds 48 KiB, sends the others', async () => {
    const w = createWorld();
    const p = w.open(LANDING);
    p.tracker.track('Huge', { blob: 'x'.repeat(50_000) });
    p.tracker.track('Small');
    await w.tick(1000);
    expect(names(w.events())).toEqual(['Small']);
  });

  it('retries network errors and 5xx with backoff (1 s, 2 s, …), never 4xx', async () => {
    const w = createWorld();
    w.answers.push('network-error', { status: 503, json: null }, { status: 200, json: {} });
    const p = w.open(LANDING);
    p.tracker.track('A');
    await w.tick(0); // attempt 1 fails
    expect(w.requests).toHaveLength(1);
    await w.tick(999);
    expect(w.requests).toHaveLength(1);
    await w.tick(1); // attempt 2 after 1 s, fails
    expect(w.requests).toHaveLength(2);
    await w.tick(1999);
    expect(w.requests).toHaveLength(2);
    await w.tick(1); // attempt 3 after 2 s, succeeds
    expect(w.requests).toHaveLength(3);
    await w.tick(120_000);
    expect(w.requests).toHaveLength(3);

    w.answers.push({ status: 400, json: { error: 'bad' } });
    p.tracker.track('Refused');
    await w.tick(120_000);
    expect(names(w.requests.slice(3).flatMap((r) => r.batch))).toEqual(['Refused']);
  });

  it('keeps unsent events in a persisted outbox and sends them on the next page', async () => {
    const w = createWorld();
    w.defaultAnswer = 'network-error';
    const p = w.open(LANDING);
    p.tracker.track('Lost?');
    await w.tick(1000);
    expect(JSON.parse(w.store.get('_tl')!).q).toHaveLength(1);
    w.beaconAccepts = false; // the page closes and even the beacon fails (and so its fetch)
    p.hide();
    p.close();
    await w.settle();
    w.defaultAnswer = { status: 200, json: {} };
    const q = w.open(`${SHOP}/next`);
    q.tracker.page();
    await w.tick(1000);
    const delivered = w.requests.at(-1)!;
    expect(names(delivered.batch)).toEqual(['Lost?', 'page']);
    expect(JSON.parse(w.store.get('_tl')!).q).toEqual([]);
  });

  it('caps the outbox at 100 events, dropping the oldest', async () => {
    const w = createWorld();
    w.defaultAnswer = { status: 503, json: null };
    const p = w.open(LANDING);
    for (let i = 0; i < 130; i++) p.tracker.track(`E${i}`);
    const q = JSON.parse(w.store.get('_tl')!).q as string[];
    expect(q).toHaveLength(100);
    expect(JSON.parse(q[0]!).event).toBe('E30');
  });

  it('flushes on pagehide / hidden with sendBeacon; sendBeacon() === false falls back to fetch', async () => {
    const w = createWorld();
    const p = w.open(LANDING, '', { flushInterval: 3_600_000 });
    p.tracker.track('A');
    p.hide();
    expect(w.requests.map((r) => [r.via, names(r.batch)])).toEqual([['beacon', ['A']]]);
    w.beaconAccepts = false;
    p.tracker.track('B');
    p.hide();
    await w.settle();
    expect(w.requests.map((r) => [r.via, names(r.batch)])).toEqual([
      ['beacon', ['A']],
      ['fetch', ['B']],
    ]);
  });
});

describe('Segment calls', () => {
  it('page, track, identify, group, alias and reset have the Segment shapes', async () => {
    const w = createWorld();
    const p = w.open(`${SHOP}/docs?utm_campaign=launch&utm_source=hn&utm_id=9`, 'https://news.ycombinator.com/');
    const t = p.tracker;
    t.page('Docs', { section: 'api' }, { context: { locale: 'de-DE' } });
    t.identify('u-1', { email: 'a@b.test' });
    t.group('org-1', { plan: 'team' });
    t.alias('u-2');
    t.track('Clicked', { n: 1 });
    t.reset();
    t.track('After reset');
    await w.tick(1000);
    const [page, identify, group, alias, track, after] = w.events();
    expect(page).toMatchObject({
      type: 'page',
      name: 'Docs',
      properties: { section: 'api', url: p.page.url, path: '/docs', search: '?utm_campaign=launch&utm_source=hn&utm_id=9', title: 'Title of /docs', referrer: 'https://news.ycombinator.com/' },
      context: {
        page: { url: p.page.url, path: '/docs', search: '?utm_campaign=launch&utm_source=hn&utm_id=9', title: 'Title of /docs', referrer: 'https://news.ycombinator.com/' },
        campaign: { name: 'launch', source: 'hn', id: '9' },
        library: { name: '@touchline/tracker', version: '0.1.0' },
        locale: 'de-DE',
      },
      timestamp: new Date(T0).toISOString(),
    });
    expect(page!.userId).toBeUndefined();
    expect(identify).toMatchObject({ type: 'identify', userId: 'u-1', traits: { email: 'a@b.test' } });
    expect(group).toMatchObject({ type: 'group', groupId: 'org-1', traits: { plan: 'team' }, userId: 'u-1' });
    expect(alias).toMatchObject({ type: 'alias', userId: 'u-2', previousId: 'u-1' });
    expect(track).toMatchObject({ type: 'track', event: 'Clicked', properties: { n: 1 }, userId: 'u-1' });
    expect(after!.userId).toBeUndefined();
    expect(after!.anonymousId).not.toBe(track!.anonymousId);
    expect(after!.context!.touches).toEqual(track!.context!.touches);
  });

  it('replays calls buffered before the script loaded, each with the URL it was made on', async () => {
    const w = createWorld();
    const p = w.open(`${SHOP}/after-router`, '', {
      landing: { url: LANDING, referrer: 'https://www.google.com/' },
      buffered: [
        ['page', [], LANDING],
        ['track', ['Early', { a: 1 }], `${SHOP}/after-router`],
        ['unknown', [1, 2]],
      ],
    });
    await w.tick(1000);
    const [page, early] = w.events();
    expect(page!.context!.page!.url).toBe(LANDING);
    expect(page!.context!.touches!.first).toMatchObject({ url: LANDING, click_id: 'Cj0KCQ_x', referrer_domain: 'google.com' });
    expect(early).toMatchObject({ event: 'Early', properties: { a: 1 }, context: { page: { url: `${SHOP}/after-router`, referrer: LANDING } } });
    expect(p.tracker).toBeDefined();
  });

  it('SPA: pushState and popstate are page views with the previous page view as referrer; replaceState only when the path changes', async () => {
    const w = createWorld();
    const p = w.open(LANDING, 'https://www.google.com/', { spa: true });
    p.tracker.page();
    p.navigate(`${SHOP}/`, true); // a router strips the UTMs: not a page view
    p.navigate(`${SHOP}/products/1`); // push
    p.navigate(`${SHOP}/products/1?color=red`); // push, new query
    p.navigate(`${SHOP}/products/1?color=red#reviews`); // hash only: not a page view
    p.navigate(`${SHOP}/login`, true); // redirect by replace
    p.navigate(`${SHOP}/products/1?color=red`); // back (popstate)
    await w.tick(1000);
    expect(w.events().map((e) => [`${e.context!.page!.path}${e.context!.page!.search}`, e.context!.page!.referrer])).toEqual([
      ['/?utm_source=google&utm_medium=cpc&gclid=Cj0KCQ_x', 'https://www.google.com/'],
      ['/products/1', LANDING],
      ['/products/1?color=red', `${SHOP}/products/1`],
      ['/login', `${SHOP}/products/1?color=red`],
      ['/products/1?color=red', `${SHOP}/login`],
    ]);
    // the landing touch survives the router's rewrite
    expect(w.events().at(-1)!.context!.touches!.first).toMatchObject({ click_id: 'Cj0KCQ_x' });
  });

  it('without spa, history changes send nothing', async () => {
    const w = createWorld();
    const p = w.open(LANDING);
    p.navigate(`${SHOP}/x`);
    await w.tick(1000);
    expect(w.requests).toEqual([]);
  });
});

describe('never throws into the host page', () => {
  it('works in memory when storage throws (SecurityError)', async () => {
    const w = createWorld();
    w.storageError = new DOMException('The operation is insecure.', 'SecurityError');
    const p = w.open(LANDING, '', { requireConsent: true });
    expect(() => {
      p.tracker.page();
      p.tracker.consent({ analytics_storage: true });
      p.tracker.track('X');
      p.tracker.consent({ analytics_storage: false });
    }).not.toThrow();
    await w.tick(1000);
    expect(names(w.events())).toEqual(['page', CONSENT_EVENT, 'X', CONSENT_EVENT]);
  });

  it('drops a call whose properties cannot be serialized, and goes on', async () => {
    const w = createWorld();
    const p = w.open(LANDING);
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    expect(() => p.tracker.track('Circular', circular)).not.toThrow();
    expect(() => p.tracker.track('BigInt', { n: 10n as unknown as number })).not.toThrow();
    p.tracker.track('Fine');
    await w.tick(1000);
    expect(names(w.events())).toEqual(['Fine']);
  });

  it('shrugs off odd arguments and a network layer that throws synchronously', async () => {
    const w = createWorld();
    const p = w.open(LANDING);
    const t = p.tracker as unknown as Record<string, (...a: unknown[]) => unknown>;
    expect(() => {
      t['page']!(null, undefined, 5, () => 1);
      t['track']!();
      t['track']!({ not: 'a name' });
      t['identify']!(42);
      t['group']!();
      t['alias']!();
      t['consent']!('yes');
      t['consent']!(null);
    }).not.toThrow();
    p.env.post = () => {
      throw new Error('fetch is not a function');
    };
    p.tracker.track('Y');
    await expect(p.tracker.flush()).resolves.toBeUndefined();
    await w.tick(5000);
  });
});
