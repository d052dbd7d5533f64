/**
 * Amplitude's HTTP V2 and Batch APIs: the real `@amplitude/analytics-node` SDK pointed at the
 * collector, and hostile requests in Amplitude's own shape — each answered the way Amplitude
 * answers (the SDK counts a delivery only when the body says `"code": 200`), bad events
 * quarantined under their Amplitude field with their neighbours kept.
 */
import { createInstance, Identify } from '@amplitude/analytics-node';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({}, { listen: true });
});
afterAll(async () => {
  await h?.dispose();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${h.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body) });

const failed = (endpoint: string) => h.sql(`select batch_index, field, reason, raw from failed_events where endpoint = '${endpoint}' order by received_at, batch_index`);

describe('the real @amplitude/analytics-node client, pointed at the collector', () => {
  for (const path of ['/amplitude/2/httpapi', '/amplitude/batch']) {
    it(`lands track, identify and a revenue event through ${path}, with the SDK counting each one delivered`, async () => {
      const amp = createInstance();
      const u = `amp-node-${path.endsWith('batch') ? 'batch' : 'v2'}`;
      const d = `${u}-device`;
      await amp.init(h.writeKey, { serverUrl: `${h.url}${path}`, useBatch: path.endsWith('batch'), flushQueueSize: 50, flushIntervalMillis: 100, flushMaxRetries: 1 }).promise;
      const results = [
        amp.track('Order Completed', { order_id: `o-${u}`, revenue: 99.5, currency: 'EUR' }, { user_id: u, device_id: d, user_agent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148', ip: '198.51.100.7' }).promise,
        amp.identify(new Identify().set('plan', 'pro').setOnce('first_seen', '2026-01-01'), { user_id: u, device_id: d }).promise,
        amp.track('Signed Up', undefined, { device_id: d, time: Date.parse('2026-12-01T10:00:00.000Z'), insert_id: `${u}-signup` }).promise,
      ];
      // (the SDK's scheduled flush, as in production: `flush()` itself never retries)
      const delivered = await Promise.all(results);
      expect(delivered.map((r) => [r.code, r.message])).toEqual([[200, 'Event tracked successfully'], [200, 'Event tracked successfully'], [200, 'Event tracked successfully']]);

      const rows = await h.sql(`
        select type, event, anonymous_id, user_id, message_id, original_timestamp, library_name, is_bot, os, ip, properties, traits
        from events where anonymous_id = '${d}' order by type, event`);
      expect(rows).toHaveLength(3);
      const [identify, order, signup] = rows;
      expect(identify).toMatchObject({ type: 'identify', event: null, user_id: u, library_name: 'amplitude-node-ts', is_bot: false });
      expect(JSON.parse(String(identify!['traits']))).toEqual({ plan: 'pro', first_seen: '2026-01-01' });
      // the visitor's agent (the event's `user_agent`), not the SDK's request, is the row's
      expect(order).toMatchObject({ type: 'track', event: 'Order Completed', user_id: u, os: 'iOS', ip: '198.51.100.7' });
      expect(JSON.parse(String(order!['properties']))).toEqual({ order_id: `o-${u}`, revenue: 99.5, currency: 'EUR' });
      expect(signup).toMatchObject({ type: 'track', event: 'Signed Up', user_id: null, message_id: `${u}-signup` });
      expect(String(signup!['original_timestamp'])).toContain('2026-12-01');
    });
  }

  it('an event Touchline refuses is dropped by the SDK; its neighbour is delivered once although the SDK retries it', async () => {
    const amp = createInstance();
    await amp.init(h.writeKey, { serverUrl: `${h.url}/amplitude/2/httpapi`, flushQueueSize: 50, flushIntervalMillis: 100, flushMaxRetries: 3 }).promise;
    const good = amp.track('Viewed Item', { sku: 'x' }, { device_id: 'amp-node-neighbour', insert_id: 'amp-neighbour-1' }).promise;
    const bad = amp.track('Viewed Item', { sku: 'y' }, { device_id: 'amp-node-neighbour', time: -5 }).promise;
    // the SDK drops the indexed event and retries the other after its retry timeout (1 s)
    const [g, b] = await Promise.all([good, bad]);
    expect(b.code).toBe(400);
    expect(g.code).toBe(200);
    const rows = await h.sql(`select message_id from events where anonymous_id = 'amp-node-neighbour'`);
    expect(rows).toEqual([{ message_id: 'amp-neighbour-1' }]);
    const q = await failed('/amplitude/2/httpapi');
    expect(q.some((r) => r['field'] === 'time' && String(r['raw']).includes('"time":-5'))).toBe(true);
  }, 20_000);
});

describe('hostile Amplitude requests', () => {
  it('names each bad event by index under its Amplitude field, quarantines it as sent, and keeps the neighbours', async () => {
    const events = [
      { event_type: 'Ok One', device_id: 'hostile-dev-1', insert_id: 'h-1' },
      { device_id: 'hostile-dev-1', insert_id: 'h-2' },
      { event_type: 'Short Id', user_id: 'abc', insert_id: 'h-3' },
      { event_type: 'Bad Props', device_id: 'hostile-dev-1', event_properties: ['a'], insert_id: 'h-4' },
      { event_type: { $gt: '' }, device_id: 'hostile-dev-1' },
      { event_type: "x'); drop table events; --", device_id: 'hostile-dev-1', insert_id: 'h-6', time: 'yesterday' },
      'not an event',
      { event_type: 'Ok Two', device_id: 'hostile-dev-1', insert_id: 'h-8', user_agent: 'Googlebot/2.1 (+http://www.google.com/bot.html)' },
    ];
    const res = await post('/amplitude/2/httpapi', { api_key: h.writeKey, events });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Record<string, any>;
    expect(body).toMatchObject({
      code: 400,
      events_with_missing_fields: { event_type: [1] },
      events_with_invalid_id_lengths: { user_id: [2] },
      events_with_invalid_fields: { event_properties: [3], event_type: [4], time: [5], event: [6] },
      events_ingested: 2,
    });
    expect(body['rejected'].map((r: any) => r.index)).toEqual([1, 2, 3, 4, 5, 6]);
    const kept = await h.sql(`select event, is_bot from events where anonymous_id = 'hostile-dev-1' order by event`);
    expect(kept).toEqual([{ event: 'Ok One', is_bot: false }, { event: 'Ok Two', is_bot: true }]);
    const q = (await failed('/amplitude/2/httpapi')).filter((r) => String(r['raw']).includes('hostile-dev-1') || r['raw'] === '"not an event"');
    expect(q.map((r) => [r['batch_index'], r['field']])).toEqual([[1, 'event_type'], [2, 'user_id'], [3, 'event_properties'], [4, 'event_type'], [5, 'time'], [6, 'event']].filter(([i]) => i !== 2));
  });

  it('refuses a missing or unknown key in the words the SDK stops on, and events that are not an array', async () => {
    const missing = await post('/amplitude/2/httpapi', { events: [] });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ code: 400, missing_field: 'api_key' });
    const unknown = await post('/2/httpapi', { api_key: 'nope', events: [{ event_type: 'x', device_id: 'hostile-dev-2' }] });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/^Invalid API key/);
    const notArray = await post('/amplitude/batch', { api_key: h.writeKey, events: { 0: { event_type: 'x' } } });
    expect(await notArray.json()).toMatchObject({ code: 400, missing_field: 'events', quarantined: true });
    expect((await h.sql(`select count(*) as n from events where anonymous_id = 'hostile-dev-2'`))[0]).toEqual({ n: 0 });
  });

  it('answers the browser SDK\'s remote configuration with none, and only for a known key', async () => {
    const ok = await fetch(`${h.url}/amplitude/config/${h.writeKey}?config_group=browser`);
    expect([ok.status, await ok.json()]).toEqual([200, {}]);
    const unknown = await fetch(`${h.url}/amplitude/config/not-a-key?config_group=browser`);
    expect(unknown.status).toBe(401);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/^Invalid API key/);
  });

  it('answers malformed JSON, bad gzip and an empty body with 400 in Amplitude\'s shape', async () => {
    for (const [body, headers, pattern] of [
      ['{"api_key": "k", "events": [', {}, /Invalid JSON request body: malformed JSON/],
      [Buffer.from([0x1f, 0x8b, 0, 1, 2, 3]), {}, /not valid gzip/],
      [Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' }, /not valid gzip/],
      ['', {}, /empty/],
    ] as const) {
      const res = await post('/amplitude/2/httpapi', body, headers);
      expect(res.status).toBe(400);
      const json = (await res.json()) as { code: number; error: string };
      expect(json.code).toBe(400);
      expect(json.error).toMatch(pattern);
    }
  });

  it('takes a gzipped body with or without Content-Encoding', async () => {
    const body = gzipSync(JSON.stringify({ api_key: h.writeKey, events: [{ event_type: 'Zipped', device_id: 'hostile-dev-gz', insert_id: 'gz-1' }] }));
    for (const headers of [{ 'content-encoding': 'gzip' }, {}]) {
      const res = await post('/amplitude/2/httpapi', body, headers);
      expect(await res.json()).toMatchObject({ code: 200, events_ingested: 1 });
    }
    // the second was a duplicate by insert_id: acknowledged, stored once
    expect(await h.sql(`select event from events where anonymous_id = 'hostile-dev-gz'`)).toEqual([{ event: 'Zipped' }]);
  });

  it('holds Amplitude\'s limits: more than 2,000 events is a 413 with nothing kept; a body past limits.maxBatchBytes is a 413 naming it', async () => {
    const many = Array.from({ length: 2001 }, (_, i) => ({ event_type: 'e', device_id: 'hostile-dev-many', insert_id: `m-${i}` }));
    const res = await post('/amplitude/batch', gzipSync(JSON.stringify({ api_key: h.writeKey, events: many })), { 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 413, error: expect.stringMatching(/at most 2000/) });
    expect((await h.sql(`select count(*) as n from events where anonymous_id = 'hostile-dev-many'`))[0]).toEqual({ n: 0 });
    const huge = await post('/amplitude/2/httpapi', { api_key: h.writeKey, events: [{ event_type: 'big', device_id: 'hostile-dev-big', event_properties: { pad: 'x'.repeat(600_000) } }] });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ code: 413, error: expect.stringMatching(/limits\.maxBatchBytes/) });
  });

  it('a client without insert_id is deduplicated as Amplitude does, on device id + event id + time', async () => {
    const events = [{ event_type: 'No Insert Id', device_id: 'hostile-dev-noid', event_id: 7, time: 1_765_000_000_000 }];
    for (let i = 0; i < 2; i++) expect(await (await post('/amplitude/2/httpapi', { api_key: h.writeKey, events })).json()).toMatchObject({ code: 200, events_ingested: 1 });
    expect(await h.sql(`select count(*) as n from events where anonymous_id = 'hostile-dev-noid'`)).toEqual([{ n: 1 }]);
  });
});
