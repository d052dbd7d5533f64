import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
const json = { 'content-type': 'application/json' };
const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  h.app.inject({ method: 'POST', url, headers: { authorization: h.auth, ...json, ...headers }, payload: typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload) });

beforeAll(async () => {
  h = await startHarness({ ip: { truncate: 'none' } });
});
afterAll(async () => {
  await h.dispose();
});

describe('Segment Tracking API endpoints', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['track', { anonymousId: 'a', event: 'Order Completed', properties: { revenue: 42 } }],
    ['page', { anonymousId: 'a', name: 'Pricing' }],
    ['screen', { userId: 'u', name: 'Home' }],
    ['identify', { userId: 'u', anonymousId: 'a', traits: { email: 'x@y.test' } }],
    ['group', { userId: 'u', groupId: 'acme', traits: { plan: 'team' } }],
    ['alias', { userId: 'u', previousId: 'a' }],
  ];
  for (const [type, body] of cases) {
    it(`POST /v1/${type} stores a ${type} row`, async () => {
      const res = await post(`/v1/${type}`, { ...body, messageId: `ep-${type}` });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ success: true });
      const rows = await h.sql(`select type from events where message_id = 'ep-${type}'`);
      expect(rows).toEqual([{ type }]);
    });
  }

  it('answers 400 naming the field for a spec violation, and quarantines the event', async () => {
    const res = await post('/v1/track', { anonymousId: 'a', messageId: 'no-event' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ success: false, error: 'invalid_event', field: 'event', quarantined: true });
    const f = await h.sql(`select endpoint, reason, field from failed_events where message_id = 'no-event'`);
    expect(f).toEqual([{ endpoint: '/v1/track', reason: '`event` is required on track calls', field: 'event' }]);
  });

  it('checks types: timestamps, properties, traits, ids', async () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ anonymousId: 'a', event: 'x', timestamp: 'yesterday' }, 'timestamp'],
      [{ anonymousId: 'a', event: 'x', timestamp: 12345 }, 'timestamp'],
      [{ anonymousId: 'a', event: 'x', properties: [1, 2] }, 'properties'],
      [{ anonymousId: 'a', event: 'x', properties: 'str' }, 'properties'],
      [{ anonymousId: { a: 1 }, event: 'x' }, 'anonymousId'],
      [{ event: 'x' }, 'userId'],
      [{ anonymousId: 'a', event: 7 }, 'event'],
    ];
    for (const [body, field] of bad) {
      const res = await post('/v1/track', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().field).toBe(field);
    }
    const traits = await post('/v1/identify', { userId: 'u', traits: 'nope' });
    expect(traits.json().field).toBe('traits');
  });
});

describe('authentication', () => {
  it('takes the write key as HTTP Basic user name or as writeKey in the body', async () => {
    const noAuth = await h.app.inject({ method: 'POST', url: '/v1/track', headers: json, payload: JSON.stringify({ anonymousId: 'a', event: 'x' }) });
    expect(noAuth.statusCode).toBe(401);
    expect(noAuth.json().message).toMatch(/no write key/);
    const inBody = await h.app.inject({ method: 'POST', url: '/v1/track', headers: json, payload: JSON.stringify({ writeKey: h.writeKey, anonymousId: 'a', event: 'x' }) });
    expect(inBody.statusCode).toBe(200);
    const wrong = await post('/v1/track', { anonymousId: 'a', event: 'x' }, { authorization: 'Basic ' + Buffer.from('nope:').toString('base64') });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().message).toBe('unknown write key');
  });

  it('refuses a revoked source', async () => {
    const s = await h.sources.create('to-revoke');
    const auth = 'Basic ' + Buffer.from(s.writeKey + ':').toString('base64');
    expect((await post('/v1/track', { anonymousId: 'a', event: 'x' }, { authorization: auth })).statusCode).toBe(200);
    await h.sources.revoke('to-revoke');
    const res = await post('/v1/track', { anonymousId: 'a', event: 'x' }, { authorization: auth });
    expect(res.statusCode).toBe(401);
    expect(res.json().message).toMatch(/revoked/);
  });
});

describe('bodies', () => {
  it('accepts text/plain (sendBeacon) and gzip bodies', async () => {
    const plain = await post('/v1/batch', { batch: [{ type: 'track', anonymousId: 'a', event: 'beacon', messageId: 'tp-1' }] }, { 'content-type': 'text/plain;charset=UTF-8' });
    expect(plain.statusCode, plain.body).toBe(200);
    const gz = gzipSync(JSON.stringify({ batch: [{ type: 'track', anonymousId: 'a', event: 'gz', messageId: 'gz-1' }] }));
    const zipped = await post('/v1/batch', gz, { 'content-encoding': 'gzip' });
    expect(zipped.statusCode, zipped.body).toBe(200);
    expect(await h.sql(`select message_id from events where message_id in ('tp-1', 'gz-1') order by 1`)).toEqual([{ message_id: 'gz-1' }, { message_id: 'tp-1' }]);
  });

  it('says where malformed JSON broke, and keeps the body in failed_events', async () => {
    const res = await post('/v1/batch', '{"batch": [\n  {"type": "track",, }]}');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_json', quarantined: true });
    expect(res.json().message).toMatch(/line 2, column/);
    const f = await h.sql(`select raw from failed_events where reason like 'malformed JSON%'`);
    expect(f.map((r) => r['raw'])).toContain('{"batch": [\n  {"type": "track",, }]}');
  });

  it('refuses unknown media types and bad compressed data with 4xx', async () => {
    const xml = await post('/v1/track', '<event/>', { 'content-type': 'application/xml' });
    expect(xml.statusCode).toBe(415);
    const br = await post('/v1/track', 'x', { 'content-encoding': 'br' });
    expect(br.statusCode).toBe(415);
    const broken = await post('/v1/batch', Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error).toBe('bad_encoding');
  });

  it('answers 413 naming the limit: 32 KB per event, 500 KB per batch, also after decompression', async () => {
    const big = await post('/v1/track', { anonymousId: 'a', event: 'x', properties: { blob: 'x'.repeat(33 * 1024) } });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ error: 'payload_too_large', limit: 'limits.maxEventBytes', limitBytes: 32 * 1024 });
    const batch = { batch: Array.from({ length: 30 }, (_, i) => ({ type: 'track', anonymousId: 'a', event: 'x', properties: { blob: 'y'.repeat(20_000), i } })) };
    const tooBig = await post('/v1/batch', batch);
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json()).toMatchObject({ limit: 'limits.maxBatchBytes', limitBytes: 500 * 1024 });
    const bomb = gzipSync(JSON.stringify({ batch: [{ type: 'track', anonymousId: 'a', event: 'x', properties: { z: '0'.repeat(2_000_000) } }] }));
    expect(bomb.length).toBeLessThan(10_000);
    const inflated = await post('/v1/batch', bomb, { 'content-encoding': 'gzip' });
    expect(inflated.statusCode).toBe(413);
  });

  it('quarantines an oversized event inside a batch and keeps its neighbours', async () => {
    const res = await post('/v1/batch', {
      batch: [
        { type: 'track', anonymousId: 'a', event: 'ok-1', messageId: 'big-n1' },
        { type: 'track', anonymousId: 'a', event: 'big', messageId: 'big-x', properties: { blob: 'z'.repeat(40_000) } },
        { type: 'track', anonymousId: 'a', event: 'ok-2', messageId: 'big-n2' },
      ],
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 2, rejected: [{ index: 1, reason: expect.stringMatching(/larger than 32768 bytes/) }] });
  });
});

describe('batches', () => {
  it('accepts the valid events, quarantines each invalid one with its index, and lists them', async () => {
    const res = await post('/v1/batch', {
      sentAt: '2026-03-01T12:00:00.000Z',
      batch: [
        { type: 'track', anonymousId: 'a', event: 'Good 1', messageId: 'b-1' },
        { type: 'track', anonymousId: 'a', messageId: 'b-2' },
        { type: 'nonsense', anonymousId: 'a', messageId: 'b-3' },
        'not an object',
        { type: 'identify', userId: 'u-b', messageId: 'b-5' },
      ],
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.accepted).toBe(2);
    expect(body.rejected.map((r: { index: number }) => r.index)).toEqual([1, 2, 3]);
    const failed = await h.sql(`select batch_index, source_id, raw, reason from failed_events where request_id = '${res.headers['request-id'] ?? ''}' or message_id in ('b-2', 'b-3') order by batch_index`);
    expect(failed).toHaveLength(2);
    expect(failed[0]).toMatchObject({ batch_index: 1, raw: JSON.stringify({ type: 'track', anonymousId: 'a', messageId: 'b-2' }) });
    expect(failed[0]?.['source_id']).toMatch(/^src_/);
    const s = await h.sql(`select count(*) as n from failed_events where raw = '"not an object"' and batch_index = 3`);
    expect(s[0]?.['n']).toBe(1);
  });

  it('answers 400 when nothing in the batch could be accepted', async () => {
    const res = await post('/v1/batch', { batch: [{ type: 'track' }, {}] });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ success: false, accepted: 0 });
    const notArray = await post('/v1/batch', { batch: { type: 'track' } });
    expect(notArray.statusCode).toBe(400);
    expect(notArray.json()).toMatchObject({ error: 'invalid_batch', quarantined: true });
  });

  it('applies batch-level context to each event, the event winning', async () => {
    await post('/v1/batch', {
      context: { locale: 'fr-FR', timezone: 'Europe/Paris' },
      batch: [{ type: 'track', anonymousId: 'a', event: 'ctx', messageId: 'ctx-1', context: { locale: 'de-DE' } }],
    });
    expect(await h.sql(`select locale, timezone from events where message_id = 'ctx-1'`)).toEqual([{ locale: 'de-DE', timezone: 'Europe/Paris' }]);
  });

  it('deduplicates a retried message id and says so', async () => {
    const e = { type: 'track', anonymousId: 'a', event: 'retry', messageId: 'dup-http' };
    expect((await post('/v1/batch', { batch: [e, e] })).json()).toMatchObject({ accepted: 1, duplicates: 1 });
    expect((await post('/v1/batch', { batch: [e] })).json()).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(await h.sql(`select count(*) as n from events where message_id = 'dup-http'`)).toEqual([{ n: 1 }]);
  });
});

describe('enrichment', () => {
  it('corrects client clock skew: timestamp = receivedAt - (sentAt - originalTimestamp)', async () => {
    // The client clock runs 1 h fast; the event happened 5 s before it was sent.
    const res = await post('/v1/batch', {
      sentAt: '2030-01-01T01:00:05.000Z',
      batch: [{ type: 'track', anonymousId: 'a', event: 'skew', messageId: 'skew-1', timestamp: '2030-01-01T01:00:00.000Z' }],
    });
    expect(res.statusCode).toBe(200);
    const [row] = await h.sql(`select "timestamp", original_timestamp, sent_at, received_at from events where message_id = 'skew-1'`);
    const received = Date.parse(String(row?.['received_at']));
    expect(Date.parse(String(row?.['timestamp']))).toBe(received - 5000);
    expect(row?.['original_timestamp']).toBe('2030-01-01T01:00:00.000Z');
  });

  it('parses the user agent, flags bots by the visitor\'s agent without dropping them, and reads GPC', async () => {
    const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
    await post('/v1/track', { anonymousId: 'a', event: 'ua', messageId: 'ua-1' }, { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1', 'sec-gpc': '1' });
    // a browser SDK running in a crawler reports the crawler as the visitor
    await post('/v1/track', { anonymousId: 'b', event: 'ua', messageId: 'ua-2', context: { userAgent: GOOGLEBOT } }, { 'user-agent': GOOGLEBOT });
    expect(await h.sql(`select message_id, browser, os, device_type, is_bot, gpc from events where message_id in ('ua-1','ua-2') order by 1`)).toEqual([
      { message_id: 'ua-1', browser: 'Mobile Safari', os: 'iOS', device_type: 'mobile', is_bot: false, gpc: true },
      { message_id: 'ua-2', browser: null, os: null, device_type: null, is_bot: true, gpc: false },
    ]);
  });

  it('a server-side library posting without context.userAgent is not a bot: its agent names itself, not a visitor', async () => {
    // every one of these is a bot to isbot, and each is how a real server SDK or HTTP client introduces itself
    const agents = ['analytics-node-next/latest', 'okhttp/4.12.0', 'Go-http-client/1.1', 'Ruby', 'node', 'RudderLabs Node SDK/2.0.0', 'python-requests/2.32.3', 'Java/17.0.9', 'curl/8.5.0', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'];
    for (const [i, ua] of agents.entries()) await post('/v1/page', { anonymousId: `srv-${i}`, messageId: `srv-ua-${i}`, properties: { url: 'https://www.shop.test/?utm_source=x' } }, { 'user-agent': ua });
    const rows = await h.sql(`select user_agent, is_bot from events where message_id like 'srv-ua-%' order by message_id`);
    expect(rows).toEqual(agents.map((ua) => ({ user_agent: ua, is_bot: false })));
    // ... while the same agents given as the visitor's are judged as such
    await post('/v1/page', { anonymousId: 'srv-x', messageId: 'srv-ua-as-visitor', context: { userAgent: 'okhttp/4.12.0' } }, { 'user-agent': 'okhttp/4.12.0' });
    expect(await h.sql(`select is_bot from events where message_id = 'srv-ua-as-visitor'`)).toEqual([{ is_bot: true }]);
  });

  it('takes the IP from the socket, not from a forged X-Forwarded-For', async () => {
    await post('/v1/track', { anonymousId: 'a', event: 'ip', messageId: 'ip-1' }, { 'x-forwarded-for': '198.51.100.7' });
    const [row] = await h.sql(`select ip from events where message_id = 'ip-1'`);
    expect(row?.['ip']).toBe('127.0.0.1');
  });

  it('records the touch from the page URL, the referrer and context.campaign', async () => {
    await post('/v1/page', {
      anonymousId: 'a',
      messageId: 'touch-1',
      context: {
        page: { url: 'https://www.shop.test/landing?utm_source=linkedin&utm_medium=paid_social&li_fat_id=a1B2-c3&ttclid=TT.x', referrer: 'https://www.linkedin.com/feed/' },
        campaign: { name: 'spring-sale', content: 'carousel' },
      },
    });
    expect(await h.sql(`select host, path, utm_source, utm_medium, utm_campaign, utm_content, click_id_type, click_id, li_fat_id, ttclid, referrer_domain from events where message_id = 'touch-1'`)).toEqual([
      { host: 'www.shop.test', path: '/landing', utm_source: 'linkedin', utm_medium: 'paid_social', utm_campaign: 'spring-sale', utm_content: 'carousel', click_id_type: 'ttclid', click_id: 'TT.x', li_fat_id: 'a1B2-c3', ttclid: 'TT.x', referrer_domain: 'linkedin.com' },
    ]);
  });
});

describe('CORS, unknown routes, admin', () => {
  it('answers browser preflights from any origin, without credentials for one the site has not configured', async () => {
    const pre = await h.app.inject({ method: 'OPTIONS', url: '/v1/batch', headers: { origin: 'https://www.shop.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    expect(pre.statusCode).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('*');
    expect(pre.headers['access-control-allow-credentials']).toBeUndefined();
    const res = await post('/v1/track', { anonymousId: 'a', event: 'cors' }, { origin: 'https://www.shop.test' });
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['vary']).toBe('Origin');
  });

  it('answers unknown routes with JSON 404', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v2/nothing' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toBe('not_found');
  });

  it('guards the admin API with the admin token and keeps it read-only', async () => {
    expect((await h.adminApp.inject({ method: 'GET', url: '/admin/status' })).statusCode).toBe(401);
    const bearer = { authorization: `Bearer ${h.adminToken}` };
    const status = await h.adminApp.inject({ method: 'GET', url: '/admin/status', headers: bearer });
    expect(status.statusCode).toBe(200);
    expect(status.json()).toMatchObject({ engine: 'duckdb', spool: { maxBytes: 1024 ** 3 } });
    const del = await h.adminApp.inject({ method: 'POST', url: '/admin/sql', headers: { ...bearer, ...json }, payload: JSON.stringify({ sql: 'DELETE FROM events' }) });
    expect(del.statusCode).toBe(400);
    expect(del.json().error).toBe('query_refused');
    const sel = await h.adminApp.inject({ method: 'POST', url: '/admin/sql', headers: { ...bearer, ...json }, payload: JSON.stringify({ sql: 'select 1 as one' }) });
    expect(sel.json()).toEqual({ columns: ['one'], rows: [[1]] });
    // …and the public listener does not have it at all, token or not.
    const onPublic = await h.app.inject({ method: 'POST', url: '/admin/sql', headers: { ...bearer, ...json }, payload: JSON.stringify({ sql: 'select 1 as one' }) });
    expect(onPublic.statusCode).toBe(404);
  });
});

describe('back-pressure', () => {
  it('answers 503 with Retry-After when the spool is at its cap, and acknowledges nothing', async () => {
    const small = await startHarness({ spool: { maxBytes: 4096, rollIntervalMs: 60_000 } });
    try {
      await small.loader.stop();
      const send = (i: number) =>
        small.app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: small.auth, ...json }, payload: JSON.stringify({ anonymousId: 'a', event: 'fill', messageId: `fill-${i}`, properties: { pad: 'p'.repeat(900) } }) });
      const codes: number[] = [];
      for (let i = 0; i < 10; i++) codes.push((await send(i)).statusCode);
      expect(codes).toContain(503);
      const rejected = await send(99);
      expect(rejected.statusCode).toBe(503);
      expect(rejected.headers['retry-after']).toBe('5');
      expect(rejected.json().message).toMatch(/spool/);
      const ok = codes.filter((c) => c === 200).length;
      const rows = await small.sql(`select count(*) as n from events where event = 'fill'`);
      expect(rows[0]?.['n']).toBe(ok);
    } finally {
      await small.dispose();
    }
  });
});
