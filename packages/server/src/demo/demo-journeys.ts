import { DEMO_CAMPAIGNS, DEMO_CURRENCY, type DemoCampaign } from './demo-campaigns.js';

/** A small seeded generator (mulberry32): the same seed makes the same shop, ids included. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface DemoOptions {
  /** People in the shop's history. @defaultValue 1500 */
  readonly people?: number;
  /** Days of history, ending at `now`. @defaultValue 60 */
  readonly days?: number;
  readonly seed?: number;
  readonly now: number;
}

const HOST = 'https://shop.example';
const PAGES = ['/', '/shoes/trail', '/shoes/road', '/sale', '/about', '/blog/how-to-pick-running-shoes'];
const DEVICES = [
  { ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', library: '@touchline/tracker' },
  { ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1', library: '@touchline/tracker' },
  { ua: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36', library: '@touchline/site' },
  { ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0', library: '@touchline/tracker' },
] as const;

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

function pickCampaign(rand: () => number): DemoCampaign {
  const total = DEMO_CAMPAIGNS.reduce((s, c) => s + c.weight, 0);
  let x = rand() * total;
  for (const c of DEMO_CAMPAIGNS) if ((x -= c.weight) < 0) return c;
  return DEMO_CAMPAIGNS[DEMO_CAMPAIGNS.length - 1]!;
}

function landingUrl(c: DemoCampaign, path: string, rand: () => number): string {
  const q = new URLSearchParams();
  if (c.utm) {
    q.set('utm_source', c.utm.source);
    q.set('utm_medium', c.utm.medium);
    q.set('utm_campaign', c.utm.campaign);
  }
  if (c.clickId) q.set(c.clickId, `demo${Math.floor(rand() * 1e12).toString(36)}`);
  const s = q.toString();
  return `${HOST}${path}${s ? `?${s}` : ''}`;
}

type Event = Record<string, unknown> & { timestamp: string };

/** One person: 1–2 devices, 1–6 visits, maybe a purchase or two, identified when they buy. */
function personEvents(i: number, rand: () => number, o: Required<Omit<DemoOptions, 'seed'>>, nextId: () => string): Event[] {
  const devices = rand() < 0.25 ? 2 : 1;
  const anon = Array.from({ length: devices }, (_, d) => `demo-anon-${i}-${d}`);
  const userId = `demo-user-${i}`;
  const email = `shopper${i}@example.com`;
  const start = o.now - o.days * 86_400_000 + rand() * (o.days - 1) * 86_400_000;
  const visits = 1 + Math.floor(rand() * rand() * 6);
  let intent = 0.02;
  let t = start;
  let bought = 0;
  const events: Event[] = [];
  for (let v = 0; v < visits && t < o.now - 60_000; v++) {
    const d = devices === 2 && v > 0 && rand() < 0.5 ? 1 : 0;
    const device = DEVICES[(i + d) % DEVICES.length]!;
    const library = rand() < 0.1 ? 'analytics-node' : device.library;
    const c = pickCampaign(rand);
    intent += c.intent;
    const context = (url: string, referrer?: string) => ({ page: { url, ...(referrer ? { referrer } : {}) }, userAgent: device.ua, library: { name: library, version: '1.0.0' } });
    const at = (ms: number): string => new Date(Math.min(ms, o.now - 1000)).toISOString();
    const base = { anonymousId: anon[d]!, messageId: nextId() };
    const land = pick(rand, PAGES);
    events.push({ ...base, type: 'page', name: land, timestamp: at(t), context: context(landingUrl(c, land, rand), c.referrer) });
    const views = Math.floor(rand() * 4);
    for (let p = 0; p < views; p++) events.push({ anonymousId: anon[d]!, messageId: nextId(), type: 'page', timestamp: at(t + (p + 1) * 45_000), context: context(`${HOST}${pick(rand, PAGES)}`, `${HOST}${land}`) });
    const end = t + (views + 1) * 45_000;
    if (rand() < Math.min(0.6, intent * 0.35)) {
      const revenue = Math.round((40 + rand() * 180) * 100) / 100;
      events.push({ anonymousId: anon[d]!, userId, messageId: nextId(), type: 'identify', traits: { email }, timestamp: at(end), context: context(`${HOST}/checkout`) });
      events.push({ anonymousId: anon[d]!, userId, messageId: nextId(), type: 'track', event: 'Order Completed', properties: { order_id: `demo-order-${i}-${bought}`, revenue, currency: DEMO_CURRENCY }, timestamp: at(end + 5_000), context: context(`${HOST}/checkout/done`) });
      bought++;
      intent = 0.02;
    } else if (bought > 0 || rand() < 0.1) {
      events.push({ anonymousId: anon[d]!, userId, messageId: nextId(), type: 'identify', traits: { email }, timestamp: at(end), context: context(`${HOST}/account`) });
    }
    t = end + (0.2 + rand() * 6) * 86_400_000;
  }
  return events;
}

/**
 * The demo shop's history, oldest first: journeys across the campaigns of {@link DEMO_CAMPAIGNS},
 * devices, identifies and purchases, plus a handful of malformed events (so Data quality has
 * something to show). Deterministic for a seed and `now`.
 */
export function demoEvents(options: DemoOptions): unknown[] {
  const o = { people: options.people ?? 1500, days: options.days ?? 60, now: options.now };
  const rand = seededRandom(options.seed ?? 20261207);
  let n = 0;
  const nextId = () => `demo-${(options.seed ?? 20261207).toString(36)}-${(n++).toString(36)}`;
  const events: Event[] = [];
  for (let i = 0; i < o.people; i++) events.push(...personEvents(i, rand, o, nextId));
  events.sort((a, b) => a.timestamp.localeCompare(b.timestamp));
  const bad: unknown[] = [];
  for (let i = 0; i < 12; i++) {
    const ts = new Date(o.now - (i + 1) * 3_600_000 * 7).toISOString();
    // What installs get wrong: a track without its event name, a call with no id at all.
    bad.push(i % 2 === 0 ? { type: 'track', anonymousId: `demo-anon-bad-${i}`, messageId: nextId(), timestamp: ts, properties: { sku: 'X1' } } : { type: 'page', messageId: nextId(), timestamp: ts });
  }
  return [...events, ...bad];
}
