/**
 * The paths, settings documents, headers and content types the vendors' SDKs use (analytics.js,
 * RudderStack's JavaScript and Node SDKs), in process. The real SDKs run against them in
 * test/sdk/; here each rule is attacked on its own: wrong keys, keys where they do not count,
 * hostile hosts and bodies, headers a preflight must or must not allow.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
const basic = (key: string) => 'Basic ' + Buffer.from(key + ':').toString('base64');
const body = (payload: unknown) => (typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload));
const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  h.app.inject({ method: 'POST', url, headers: { authorization: h.auth, 'content-type': 'text/plain', ...headers }, payload: body(payload) });
/** A beacon: no Authorization (sendBeacon cannot send one), text/plain. */
const beacon = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  h.app.inject({ method: 'POST', url, headers: { 'content-type': 'text/plain;charset=UTF-8', ...headers }, payload: body(payload) });
const get = (url: string, headers: Record<string, string> = {}) => h.app.inject({ method: 'GET', url, headers });

beforeAll(async () => {
  h = await startHarness({ ip: { truncate: 'none' } });
});
afterAll(async () => {
  await h.dispose();
});

describe("analytics.js's short paths", () => {
  const cases: [string, string, Record<string, unknown>][] = [
    ['t', 'track', { event: 'Clicked' }],
    ['p', 'page', { name: 'Pricing' }],
    ['s', 'screen', { name: 'Home' }],
    ['i', 'identify', { userId: 'u-short', traits: { plan: 'pro' } }],
    ['g', 'group', { userId: 'u-short', groupId: 'acme' }],
    ['a', 'alias', { userId: 'u-short', previousId: 'old' }],
  ];
  for (const [letter, type, fields] of cases) {
    it(`/v1/${letter} stores a ${type}, whatever type the body claims`, async () => {
      const id = `short-${letter}`;
      // analytics.js sends `type` too; the path decides, as /v1/<type> does
      const res = await post(`/v1/${letter}`, { anonymousId: 'a-short', messageId: id, type: 'track', ...fields });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ success: true });
      expect(await h.sql(`select type, anonymous_id from events where message_id = '${id}'`)).toEqual([{ type, anonymous_id: 'a-short' }]);
    });
  }

  it('validates like /v1/track: a track without `event` is refused with its field and quarantined', async () => {
    const res = await post('/v1/t', { anonymousId: 'a', messageId: 'short-bad' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_event', field: 'event', quarantined: true });
    expect(await h.sql(`select endpoint, field from failed_events where message_id = 'short-bad'`)).toEqual([{ endpoint: '/v1/t', field: 'event' }]);
  });

  it('/v1/b is a batch: the good events kept, the bad one quarantined with its index', async () => {
    const res = await post('/v1/b', {
      writeKey: h.writeKey,
      sentAt: new Date().toISOString(),
      batch: [
        { type: 'track', anonymousId: 'a-b', event: 'One', messageId: 'b-1' },
        { type: 'track', anonymousId: 'a-b', messageId: 'b-2' },
        { type: 'page', anonymousId: 'a-b', name: 'Two', messageId: 'b-3' },
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ success: true, accepted: 2, rejected: [{ index: 1, field: 'event' }] });
    expect(await h.sql(`select message_id from events where message_id like 'b-%' order by 1`)).toEqual([{ message_id: 'b-1' }, { message_id: 'b-3' }]);
  });

  it('keeps the write key as strict as /v1/*: none, unknown, revoked, and a query-string key are refused', async () => {
    const ev = { anonymousId: 'a', event: 'x' };
    const none = await h.app.inject({ method: 'POST', url: '/v1/t', headers: { 'content-type': 'text/plain' }, payload: JSON.stringify(ev) });
    expect(none.statusCode).toBe(401);
    expect((await post('/v1/t', ev, { authorization: basic('nope') })).json()).toMatchObject({ error: 'unauthorized', message: 'unknown write key' });
    const s = await h.sources.create('short-revoked');
    expect((await post('/v1/t', ev, { authorization: basic(s.writeKey) })).statusCode).toBe(200);
    await h.sources.revoke('short-revoked');
    expect((await post('/v1/t', ev, { authorization: basic(s.writeKey) })).json().message).toMatch(/revoked/);
    // the query string is a credential on RudderStack's beacon path only
    for (const url of [`/v1/t?writeKey=${h.writeKey}`, `/v1/b?writeKey=${h.writeKey}`, `/v1/batch?writeKey=${h.writeKey}`, `/v1/track?writeKey=${h.writeKey}`]) {
      const res = await beacon(url, url.includes('b') && !url.includes('track') ? { batch: [{ type: 'track', ...ev }] } : ev);
      expect(res.statusCode, url).toBe(401);
    }
  });

  it('names limits.maxBatchBytes when /v1/b is too large', async () => {
    const big = { batch: Array.from({ length: 30 }, (_, i) => ({ type: 'track', anonymousId: 'a', event: 'x', properties: { blob: 'y'.repeat(20_000), i } })) };
    const res = await post('/v1/b', big);
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ limit: 'limits.maxBatchBytes', limitBytes: 500 * 1024 });
    const one = await post('/v1/t', { anonymousId: 'a', event: 'x', properties: { blob: 'x'.repeat(33 * 1024) } });
    expect(one.json()).toMatchObject({ limit: 'limits.maxEventBytes' });
  });
});

describe("RudderStack's beacon path", () => {
  const url = (key: string) => `/beacon/v1/batch?writeKey=${encodeURIComponent(key)}`;

  it('takes the write key from the query string and stores the batch with its sentAt', async () => {
    const sentAt = new Date(Date.now() + 60_000).toISOString(); // a client clock a minute fast
    const originalTimestamp = new Date(Date.now() + 59_000).toISOString();
    const res = await beacon(url(h.writeKey), { batch: [{ type: 'track', anonymousId: 'a-beacon', event: 'Beaconed', messageId: 'bc-1', originalTimestamp, sentAt }], sentAt });
    expect(res.statusCode, res.body).toBe(200);
    // clock skew corrected from the batch's sentAt: one second before it was received
    const [row] = await h.sql(`select event, anonymous_id, date_diff('millisecond', "timestamp", received_at) as skew_ms from events where message_id = 'bc-1'`);
    expect(row).toEqual({ event: 'Beaconed', anonymous_id: 'a-beacon', skew_ms: 1000 });
  });

  it('refuses a beacon without a key, with an unknown or a revoked key, and says how to send it', async () => {
    const batch = { batch: [{ type: 'track', anonymousId: 'a', event: 'x' }] };
    const none = await beacon('/beacon/v1/batch', batch);
    expect(none.statusCode).toBe(401);
    expect(none.json().message).toMatch(/\?writeKey=/);
    expect((await beacon('/beacon/v1/batch?writeKey=', batch)).statusCode).toBe(401);
    expect((await beacon(url('nope'), batch)).json()).toMatchObject({ error: 'unauthorized', message: 'unknown write key' });
    // a repeated parameter is not a key (no guessing which one counts)
    expect((await beacon(`/beacon/v1/batch?writeKey=${h.writeKey}&writeKey=${h.writeKey}`, batch)).statusCode).toBe(401);
    const s = await h.sources.create('beacon-revoked');
    await h.sources.revoke('beacon-revoked');
    expect((await beacon(url(s.writeKey), batch)).json().message).toMatch(/revoked/);
  });

  it('quarantines a malformed beacon from a known key, and keeps good events next to bad ones', async () => {
    const text = '{"batch": [{"type": "track",, "event": "x"}]}';
    const bad = await beacon(url(h.writeKey), text);
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'invalid_json', quarantined: true });
    expect(await h.sql(`select endpoint, raw from failed_events where raw = '${text}'`)).toEqual([{ endpoint: '/beacon/v1/batch', raw: text }]);
    // an unknown key's garbage is answered, not stored
    const stranger = await beacon(url('nope'), '{"batch": [}');
    expect(stranger.statusCode).toBe(400);
    expect(stranger.json().quarantined).toBeUndefined();
    expect(await h.sql(`select count(*)::int as n from failed_events where raw = '{"batch": [}'`)).toEqual([{ n: 0 }]);

    const mixed = await beacon(url(h.writeKey), { batch: [{ type: 'track', anonymousId: 'a', event: 'ok', messageId: 'bc-ok' }, { type: 'nope', anonymousId: 'a', messageId: 'bc-bad' }] });
    expect(mixed.json()).toMatchObject({ success: true, accepted: 1, rejected: [{ index: 1, field: 'type' }] });
    expect(await h.sql(`select count(*)::int as n from failed_events where message_id = 'bc-bad'`)).toEqual([{ n: 1 }]);
  });
});

describe('analytics.js settings: GET /v1/projects/<writeKey>/settings', () => {
  it('names Touchline as the only destination, where the browser reached it, with Segment metrics off', async () => {
    const res = await get(`/v1/projects/${h.writeKey}/settings`, { host: 'collect.shop.test:8443', origin: 'https://www.shop.test' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      integrations: { 'Segment.io': { apiKey: h.writeKey, apiHost: 'collect.shop.test:8443/v1', protocol: 'http' } },
      remotePlugins: [],
      middlewareSettings: {},
      enabledMiddleware: {},
      metrics: { sampleRate: 0 },
    });
    // Readable from any page (analytics.js fetches it without credentials), never with credentials.
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers['cache-control']).toBe('public, max-age=300');
  });

  it('refuses unknown and revoked keys', async () => {
    const unknown = await get('/v1/projects/nope/settings');
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().message).toBe('unknown write key');
    const s = await h.sources.create('settings-revoked');
    expect((await get(`/v1/projects/${s.writeKey}/settings`)).statusCode).toBe(200);
    await h.sources.revoke('settings-revoked');
    expect((await get(`/v1/projects/${s.writeKey}/settings`)).json().message).toMatch(/revoked/);
  });

  it('believes X-Forwarded-Host/-Proto only from a proxy that ip.trustProxy trusts', async () => {
    const forwarded = { host: 'collect.internal:8080', 'x-forwarded-host': 'www.shop.test', 'x-forwarded-proto': 'https' };
    // the default: a client cannot steer where analytics.js sends its events
    expect((await get(`/v1/projects/${h.writeKey}/settings`, forwarded)).json().integrations['Segment.io']).toMatchObject({ apiHost: 'collect.internal:8080/v1', protocol: 'http' });
    const behindProxy = await startHarness({ ip: { trustProxy: true } });
    try {
      const res = await behindProxy.app.inject({ method: 'GET', url: `/v1/projects/${behindProxy.writeKey}/settings`, headers: forwarded });
      expect(res.json().integrations['Segment.io']).toMatchObject({ apiHost: 'www.shop.test/v1', protocol: 'https' });
      const hostile = await behindProxy.app.inject({ method: 'GET', url: `/v1/projects/${behindProxy.writeKey}/settings`, headers: { ...forwarded, 'x-forwarded-host': 'evil.test/"><script>' } });
      expect(hostile.statusCode).toBe(400);
    } finally {
      await behindProxy.dispose();
    }
  });

  it('echoes no hostile Host header into the settings', async () => {
    for (const host of ['evil.test/x?', 'a"b.test', 'shop.test:80:80', 'shop.test@evil.test', '-bad.test', 'x'.repeat(300)]) {
      const res = await get(`/v1/projects/${h.writeKey}/settings`, { host });
      expect(res.statusCode, host).toBe(400);
      expect(res.json().error).toBe('bad_host');
    }
    for (const host of ['[::1]:8080', '127.0.0.1', 'www.shop.test']) {
      expect((await get(`/v1/projects/${h.writeKey}/settings`, { host })).json().integrations['Segment.io'].apiHost).toBe(`${host}/v1`);
    }
  });
});

describe("RudderStack's source configuration: GET /sourceConfig/", () => {
  it('answers a valid source configuration with no destinations and RudderStack reporting off', async () => {
    const [source] = h.sources.list();
    for (const path of ['/sourceConfig/?p=npm&v=3.34.1&build=modern&writeKey=x&lockIntegrationsVersion=true', '/sourceConfig']) {
      const res = await get(path, { authorization: h.auth });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({
        source: {
          id: source!.id,
          name: 'default',
          enabled: true,
          config: { statsCollection: { errors: { enabled: false }, metrics: { enabled: false } } },
          destinations: [],
        },
      });
    }
    // the SDK's ad-blocker probe
    const head = await h.app.inject({ method: 'HEAD', url: '/sourceConfig/?view=ad', headers: { authorization: h.auth } });
    expect(head.statusCode).toBe(200);
  });

  it('takes the key as HTTP Basic only: the query copy the SDK adds is not a credential', async () => {
    const noAuth = await get(`/sourceConfig/?writeKey=${h.writeKey}`);
    expect(noAuth.statusCode).toBe(401);
    expect((await get('/sourceConfig/', { authorization: basic('nope') })).json().message).toBe('unknown write key');
  });
});

describe('CORS for the SDKs', () => {
  it("allows the headers analytics.js and RudderStack's XHR transport send, and no others", async () => {
    const preflight = (headers: string) =>
      h.app.inject({ method: 'OPTIONS', url: '/v1/track', headers: { origin: 'https://www.shop.test', 'access-control-request-method': 'POST', 'access-control-request-headers': headers } });
    const res = await preflight('authorization,content-type,anonymousid,sentat,rsa-retry-attempt,x-retry-count');
    expect(res.statusCode).toBe(204);
    const allowed = String(res.headers['access-control-allow-headers']).toLowerCase().split(/\s*,\s*/);
    for (const header of ['content-type', 'authorization', 'content-encoding', 'x-retry-count', 'anonymousid', 'sentat', 'rsa-recovered', 'rsa-retry-attempt', 'rsa-since-last-attempt', 'rsa-since-first-attempt', 'rsa-retry-reason']) {
      expect(allowed, header).toContain(header);
    }
    expect(allowed).not.toContain('x-forwarded-for');
    expect(allowed).not.toContain('cookie');
  });
});

describe("RudderStack's Node SDK content type", () => {
  const batch = (id: string) => ({ batch: [{ type: 'track', userId: 'u-node', event: 'Node', messageId: id }], sentAt: new Date().toISOString() });

  it('reads a gzipped JSON batch sent as application/x-www-form-urlencoded', async () => {
    for (const encoding of ['gzip', 'x-gzip']) {
      const res = await post('/v1/batch', gzipSync(JSON.stringify(batch(`form-${encoding}`))), { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': encoding });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ accepted: 1 });
    }
    expect(await h.sql(`select message_id from events where message_id like 'form-%' order by 1`)).toEqual([{ message_id: 'form-gzip' }, { message_id: 'form-x-gzip' }]);
  });

  it('still refuses a real form, an uncompressed JSON body labelled a form, and other types with 415', async () => {
    const cases: [string, string | Buffer, Record<string, string>][] = [
      ['form', 'type=track&anonymousId=a&event=x', { 'content-type': 'application/x-www-form-urlencoded' }],
      ['json labelled form', JSON.stringify(batch('form-plain')), { 'content-type': 'application/x-www-form-urlencoded' }],
      ['identity-encoded form', JSON.stringify(batch('form-identity')), { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'identity' }],
      ['multipart', '--x\r\n\r\n{}\r\n--x--', { 'content-type': 'multipart/form-data; boundary=x' }],
      ['gzipped xml', gzipSync('<batch/>'), { 'content-type': 'application/xml', 'content-encoding': 'gzip' }],
    ];
    for (const [what, payload, headers] of cases) {
      const res = await post('/v1/batch', payload, headers);
      expect(res.statusCode, what).toBe(415);
      expect(res.json().error, what).toBe('unsupported_media_type');
    }
    expect(await h.sql(`select count(*)::int as n from events where message_id in ('form-plain', 'form-identity')`)).toEqual([{ n: 0 }]);
  });

  it('answers malformed gzipped JSON labelled a form with 400 and keeps it in failed_events', async () => {
    const text = '{"batch": [oops]}';
    const res = await post('/v1/batch', gzipSync(text), { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_json', quarantined: true });
    expect(await h.sql(`select count(*)::int as n from failed_events where raw = '${text}'`)).toEqual([{ n: 1 }]);
  });
});

describe('context.traits', () => {
  it("are an identify's traits when it has none of its own (RudderStack), moved out of the context", async () => {
    const res = await post('/v1/batch', {
      batch: [
        { type: 'identify', anonymousId: 'a-rs', userId: 'u-rs', messageId: 'ct-1', context: { traits: { email: 'rs@shop.test', plan: 'pro' }, locale: 'en-GB', screen: { width: 1280 } } },
        { type: 'identify', userId: 'u-own', messageId: 'ct-2', traits: { email: 'own@shop.test' }, context: { traits: { email: 'stale@shop.test' } } },
        { type: 'track', anonymousId: 'a-rs', userId: 'u-rs', event: 'Bought', messageId: 'ct-3', context: { traits: { email: 'rs@shop.test' } } },
        { type: 'group', userId: 'u-rs', groupId: 'acme', messageId: 'ct-4', traits: { employees: 50 }, context: { traits: { email: 'rs@shop.test' } } },
        { type: 'identify', userId: 'u-odd', messageId: 'ct-5', context: { traits: ['not', 'an', 'object'] } },
      ],
    });
    expect(res.json()).toMatchObject({ accepted: 5 });
    const rows = await h.sql(`select message_id, traits, context from events where message_id like 'ct-%' order by 1`);
    const parsed = rows.map((r) => ({ id: r['message_id'], traits: r['traits'] == null ? null : JSON.parse(String(r['traits'])), context: r['context'] == null ? null : JSON.parse(String(r['context'])) }));
    expect(parsed).toEqual([
      { id: 'ct-1', traits: { email: 'rs@shop.test', plan: 'pro' }, context: { screen: { width: 1280 } } },
      // own traits win; the context's copy stays where it was sent
      { id: 'ct-2', traits: { email: 'own@shop.test' }, context: { traits: { email: 'stale@shop.test' } } },
      // a track's context.traits describe the user, not the call
      { id: 'ct-3', traits: null, context: { traits: { email: 'rs@shop.test' } } },
      // a group's traits are the group's
      { id: 'ct-4', traits: { employees: 50 }, context: { traits: { email: 'rs@shop.test' } } },
      // not an object: not traits, kept as sent
      { id: 'ct-5', traits: null, context: { traits: ['not', 'an', 'object'] } },
    ]);
    // where identity reads an identify's email (traits.email), as for a Segment identify
    expect(await h.sql(`select traits->>'email' as email from events where type = 'identify' and user_id = 'u-rs'`)).toEqual([{ email: 'rs@shop.test' }]);
  });
});
