import type { Harness } from './harness.js';

/** A small, varied day-spread sample: pages with UTMs and click ids, identify, alias, a bad event. */
export function sampleEvents(days = 3, perDay = 40): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let d = 0; d < days; d++) {
    for (let i = 0; i < perDay; i++) {
      const ts = new Date(Date.UTC(2026, 2, 1 + d, 8, 0, 0, 0) + i * 60_123).toISOString();
      out.push({
        type: i % 3 === 0 ? 'page' : 'track',
        event: i % 3 === 0 ? undefined : 'Signed Up',
        name: i % 3 === 0 ? 'Pricing' : undefined,
        messageId: `s-${d}-${i}`,
        anonymousId: `anon-${i % 7}`,
        timestamp: ts,
        context: {
          page: { url: `https://shop.test/p?utm_source=src${i % 4}&utm_medium=cpc&gclid=G${i}`, referrer: 'https://www.google.com/' },
          gpc: i % 5 === 0,
        },
        properties: { i, plan: i % 2 ? 'pro' : 'free' },
      });
    }
    out.push({ type: 'identify', messageId: `id-${d}`, anonymousId: `anon-${d}`, userId: `user-${d}`, timestamp: new Date(Date.UTC(2026, 2, 1 + d, 9)).toISOString(), traits: { email: `u${d}@x.test` } });
  }
  out.push({ type: 'alias', messageId: 'al-1', previousId: 'user-0', userId: 'user-9', timestamp: '2026-03-02T10:00:00.000Z' });
  out.push({ type: 'track', messageId: 'bad-1', anonymousId: 'anon-x' }); // no event name: quarantined
  return out;
}

/** Sends the sample through the collector's HTTP API, in batches, and loads it. */
export async function sendSample(h: Harness, events: readonly Record<string, unknown>[] = sampleEvents()): Promise<void> {
  for (let i = 0; i < events.length; i += 50) {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: {
        authorization: h.auth,
        'content-type': 'application/json',
        'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
      },
      payload: { batch: events.slice(i, i + 50) },
    });
    if (res.statusCode !== 200 && res.statusCode !== 400) throw new Error(`batch answered ${res.statusCode}: ${res.body}`);
  }
  await h.loader.flush();
}
