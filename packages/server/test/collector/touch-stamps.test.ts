/**
 * Every SDK's events carry their visitor's first and last touch: the Segment API (`/v1/page`,
 * `/v1/track`, pages inside `/v1/batch`) updates and reads the same touch store as the tracker
 * endpoint, keyed by the anonymous id, under the same rules (only arrivals start touches).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

const SAFARI = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
let h: Harness;
let n = 0;
const post = (url: string, payload: unknown, o: { h?: Harness; ua?: string } = {}) =>
  (o.h ?? h).app.inject({
    method: 'POST',
    url,
    headers: { authorization: (o.h ?? h).auth, 'content-type': 'application/json', 'user-agent': o.ua ?? 'analytics-node-next/latest' },
    payload: JSON.stringify(payload),
  });
const at = (min: number) => new Date(Date.parse('2026-04-01T10:00:00.000Z') + min * 60_000).toISOString();
const page = (anon: string, url: string, referrer: string | undefined, min: number, extra: Record<string, unknown> = {}) => ({
  type: 'page',
  messageId: `st-${++n}`,
  anonymousId: anon,
  timestamp: at(min),
  properties: { url, ...(referrer ? { referrer } : {}) },
  ...extra,
});
const track = (anon: string, url: string | undefined, min: number, extra: Record<string, unknown> = {}) => ({
  type: 'track',
  event: 'Order Completed',
  messageId: `st-${++n}`,
  anonymousId: anon,
  timestamp: at(min),
  ...(url ? { context: { page: { url } } } : {}),
  ...extra,
});
const cols = 'first_utm_source, first_click_id, first_referrer_domain, last_utm_source, last_click_id, last_touch_at';
const stampOf = async (messageId: string, hh = h) => (await hh.sql(`select ${cols} from events where message_id = '${messageId}'`))[0];

beforeAll(async () => {
  // no sentAt in these events: their times stand as sent (no clock-skew correction)
  h = await startHarness({ tracker: { touchStore: { engine: 'memory' } } }, { now: () => new Date(at(24 * 60)) });
});
afterAll(async () => {
  await h?.dispose();
});

describe('the Segment API stamps first and last touch', () => {
  it('/v1/page keeps the touch; a later /v1/track of the same anonymous id carries it', async () => {
    const landing = page('seg-1', 'https://www.shop.test/?utm_source=linkedin&utm_medium=paid_social&li_fat_id=LI-1', 'https://www.linkedin.com/', 0);
    const r = await post('/v1/page', landing);
    expect(r.statusCode, r.body).toBe(200);
    expect(await stampOf(landing.messageId)).toEqual({ first_utm_source: 'linkedin', first_click_id: 'LI-1', first_referrer_domain: 'linkedin.com', last_utm_source: 'linkedin', last_click_id: 'LI-1', last_touch_at: at(0) });
    // a server-side track: no page, no agent of a visitor; it carries the visitor's touches
    const order = track('seg-1', undefined, 90);
    await post('/v1/track', order);
    expect(await stampOf(order.messageId)).toEqual({ first_utm_source: 'linkedin', first_click_id: 'LI-1', first_referrer_domain: 'linkedin.com', last_utm_source: 'linkedin', last_click_id: 'LI-1', last_touch_at: at(0) });
    expect(await h.sql(`select is_bot from events where message_id = '${order.messageId}'`)).toEqual([{ is_bot: false }]);
  });

  it('pages inside /v1/batch update the state in order; tracks on a tagged URL never start a touch', async () => {
    const summer = 'https://www.shop.test/?utm_source=newsletter&utm_medium=email&utm_campaign=summer';
    const google = `https://www.shop.test/?gclid=G-2`;
    const events = [
      page('seg-2', summer, undefined, 0),
      page('seg-2', google, 'https://www.google.com/', 5),
      // the summer tab again, 45 minutes later: a purchase there is no arrival
      track('seg-2', summer, 50),
      page('seg-2', 'https://www.shop.test/account', 'https://www.shop.test/', 55),
    ];
    const r = await post('/v1/batch', { batch: events });
    expect(r.json()).toMatchObject({ accepted: 4 });
    const rows = await h.sql(`select message_id, first_utm_source, last_utm_source, last_click_id, last_touch_at from events where anonymous_id = 'seg-2' order by "timestamp"`);
    expect(rows).toEqual([
      { message_id: events[0]!.messageId, first_utm_source: 'newsletter', last_utm_source: 'newsletter', last_click_id: null, last_touch_at: at(0) },
      { message_id: events[1]!.messageId, first_utm_source: 'newsletter', last_utm_source: null, last_click_id: 'G-2', last_touch_at: at(5) },
      { message_id: events[2]!.messageId, first_utm_source: 'newsletter', last_utm_source: null, last_click_id: 'G-2', last_touch_at: at(5) },
      { message_id: events[3]!.messageId, first_utm_source: 'newsletter', last_utm_source: null, last_click_id: 'G-2', last_touch_at: at(5) },
    ]);
    // the track kept the session open: the page view 5 minutes after it is in the same session
    expect((await h.touchStore.get('seg-2'))?.session).toMatchObject({ click_id: 'G-2', at: at(5) });
  });

  it('the tracker endpoint and the Segment API share one state: a server event with the cookie\'s id carries the browser\'s touches', async () => {
    const landing = {
      type: 'page',
      messageId: `st-${++n}`,
      anonymousId: 'ignored',
      properties: { url: 'https://www.shop.test/?utm_source=tiktok&ttclid=TT-1' },
      context: { page: { url: 'https://www.shop.test/?utm_source=tiktok&ttclid=TT-1', referrer: 'https://www.tiktok.com/' }, consent: { analytics_storage: true } },
    };
    const r = await h.app.inject({
      method: 'POST',
      url: '/_t/b',
      headers: { 'content-type': 'text/plain', host: 'www.shop.test', 'user-agent': SAFARI },
      payload: JSON.stringify({ batch: [landing], writeKey: h.writeKey }),
    });
    const id = r.json().anonymousId as string;
    const server = track(id, undefined, 24 * 60);
    await post('/v1/track', server);
    expect(await stampOf(server.messageId)).toMatchObject({ first_utm_source: 'tiktok', first_click_id: 'TT-1', last_click_id: 'TT-1' });
  });

  it('the server\'s state wins over touches an SDK claims; the claim is kept beside it', async () => {
    const claimed = { first: { utm_source: 'lie', url: 'https://lie.test/?utm_source=lie' }, last: { utm_source: 'lie' } };
    const p = page('seg-3', 'https://www.shop.test/?utm_source=reddit', 'https://www.reddit.com/', 0, { context: { touches: claimed } });
    await post('/v1/page', p);
    expect(await stampOf(p.messageId)).toMatchObject({ first_utm_source: 'reddit', last_utm_source: 'reddit' });
    const [row] = await h.sql(`select context from events where message_id = '${p.messageId}'`);
    expect(JSON.parse(String(row!['context'])).client_touches).toEqual(claimed);
  });

  it('junk anonymous ids share no state: "undefined" from one site is no visitor', async () => {
    const a = page('undefined', 'https://www.shop.test/?utm_source=first-stranger', undefined, 0);
    const b = track('undefined', undefined, 10);
    await post('/v1/batch', { batch: [a, b] });
    expect(await stampOf(b.messageId)).toEqual({ first_utm_source: null, first_click_id: null, first_referrer_domain: null, last_utm_source: null, last_click_id: null, last_touch_at: null });
    expect(await h.touchStore.get('undefined')).toBeUndefined();
  });

  it('an event stating analytics_storage denied (boolean or Google\'s wording) changes no touch', async () => {
    for (const [i, denied] of ([false, 'denied'] as const).entries()) {
      const anon = `seg-denied-${i}`;
      const p = page(anon, 'https://www.shop.test/?utm_source=denied', undefined, 0, { context: { consent: { analytics_storage: denied } } });
      await post('/v1/page', p);
      expect(await h.touchStore.get(anon)).toBeUndefined();
      expect(await stampOf(p.messageId)).toMatchObject({ first_utm_source: null });
    }
  });

  it('a bot (its own agent in context.userAgent) neither gets nor moves touches', async () => {
    await post('/v1/page', page('seg-4', 'https://www.shop.test/?utm_source=human', undefined, 0, { context: { userAgent: SAFARI } }));
    const bot = page('seg-4', 'https://www.shop.test/?gclid=G-bot', 'https://www.google.com/', 10, { context: { userAgent: 'facebookexternalhit/1.1', touches: { first: { utm_source: 'bot' } } } });
    await post('/v1/page', bot);
    expect(await h.sql(`select is_bot, first_utm_source, last_utm_source from events where message_id = '${bot.messageId}'`)).toEqual([{ is_bot: true, first_utm_source: null, last_utm_source: null }]);
    expect((await h.touchStore.get('seg-4'))?.last?.utm_source).toBe('human');
  });

  it('a refused event moves no touch; its valid neighbours are stamped', async () => {
    const bad = { ...page('seg-5', 'https://www.shop.test/?utm_source=refused', undefined, 0), timestamp: 'yesterday' };
    const good = track('seg-5', undefined, 5);
    const r = await post('/v1/batch', { batch: [bad, good] });
    expect(r.json()).toMatchObject({ accepted: 1, rejected: [{ index: 0, field: 'timestamp' }] });
    expect(await h.touchStore.get('seg-5')).toBeUndefined();
    expect(await stampOf(good.messageId)).toMatchObject({ first_utm_source: null });
  });

  it('with tracker.enabled false, the Segment API still stamps (the touch store is opened either way)', async () => {
    const off = await startHarness({ tracker: { enabled: false, touchStore: { engine: 'memory' } } });
    try {
      const p = page('seg-6', 'https://www.shop.test/?utm_source=quora', undefined, 0);
      const t = track('seg-6', undefined, 1);
      await post('/v1/batch', { batch: [p, t] }, { h: off });
      expect(await stampOf(t.messageId, off)).toMatchObject({ first_utm_source: 'quora', last_utm_source: 'quora' });
      expect((await off.app.inject({ method: 'GET', url: '/_t/s.js' })).statusCode).toBe(404);
    } finally {
      await off.dispose();
    }
  });
});
