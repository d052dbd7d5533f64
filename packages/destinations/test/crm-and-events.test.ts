import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  amplitude,
  braze,
  customerIo,
  deliver,
  deterministicUlid,
  signV1,
  verifyStandardWebhook,
  webhook,
  type FetchLike,
} from '@touchline/destinations';
import {
  startAmplitudeStandIn,
  startBrazeStandIn,
  startCustomerIoStandIn,
  startWebhookReceiver,
  type BrazeStandIn,
  type CustomerIoStandIn,
  type StandIn,
  type WebhookReceiver,
} from '@touchline/destinations/testing';

const NOW = Date.UTC(2026, 10, 25, 12);
const net: FetchLike = (u, i) => fetch(u, i);

describe('Standard Webhooks signing', () => {
  it("matches the spec's published test vector", () => {
    // standardwebhooks.com / Svix test vector.
    const sig = signV1('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    expect(sig).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    const headers = { 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330', 'webhook-signature': `v1,bm9wZQ== ${sig}` };
    expect(verifyStandardWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', headers, '{"test": 2432232314}', 1614265330_000)).toEqual({ ok: true });
    expect(verifyStandardWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', headers, '{"test": 2432232315}', 1614265330_000)).toEqual({ ok: false, reason: 'signature' });
    expect(verifyStandardWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', headers, '{"test": 2432232314}', (1614265330 + 301) * 1000)).toEqual({ ok: false, reason: 'timestamp' });
  });
});

describe('webhook destination', () => {
  const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const OLD = 'whsec_b2xkIHNlY3JldCBzdGlsbCBpbiB1c2U=';
  let t = NOW;
  const clock = { now: () => t };
  let rx: WebhookReceiver;
  let oldRx: WebhookReceiver;
  const config = (endpoint: string, over: Record<string, unknown> = {}) => webhook.configSchema.parse({ endpoint: `${endpoint}/hooks/touchline`, secret: SECRET, ...over });
  beforeAll(async () => {
    rx = await startWebhookReceiver({ clock, secret: SECRET });
    oldRx = await startWebhookReceiver({ clock, secret: OLD });
  });
  afterAll(async () => Promise.all([rx.close(), oldRx.close()]));

  it('signs the exact bytes it sends; hostile strings survive; a resend carries the same webhook-id', async () => {
    rx.reset();
    const rows = [{ id: 'r1', note: '  quote " backslash \\ newline \n emoji 🎉 </script> ' }, { id: 'r2', n: 1n }];
    expect((await deliver(webhook, rows, { config: config(rx.url), clock, fetch: net })).map((r) => r.status)).toEqual(['delivered', 'delivered']);
    await deliver(webhook, rows, { config: config(rx.url), clock, fetch: net });
    const [a, b] = rx.requests;
    expect(verifyStandardWebhook(SECRET, a!.headers, a!.rawBody, NOW)).toEqual({ ok: true });
    expect((JSON.parse(a!.rawBody) as { data: { row: { note: string } }[] }).data[0]!.row.note).toBe(String(rows[0]!.note));
    expect(a!.headers['webhook-id']).toBe(b!.headers['webhook-id']);
    expect(rx.count('r1')).toBe(1);
    expect(rx.received('r1')).toBe(2);
  });

  it('during a rotation both secrets sign, so a receiver still on the old one accepts', async () => {
    const [r] = await deliver(webhook, [{ id: 'rot' }], { config: config(oldRx.url, { previousSecrets: [OLD] }), clock, fetch: net });
    expect(r!.status).toBe('delivered');
    expect(oldRx.requests[0]!.headers['webhook-signature']!.split(' ')).toHaveLength(2);
  });

  it('a receiver refuses a replay outside five minutes and a tampered body', async () => {
    rx.reset();
    await deliver(webhook, [{ id: 'replay' }], { config: config(rx.url), clock, fetch: net });
    const sent = rx.requests[0]!;
    t = NOW + 6 * 60_000;
    const replay = await fetch(`${rx.url}/hooks/touchline`, { method: 'POST', headers: { ...sent.headers }, body: sent.rawBody });
    expect(replay.status).toBe(401);
    t = NOW;
    const tampered = await fetch(`${rx.url}/hooks/touchline`, { method: 'POST', headers: { ...sent.headers }, body: sent.rawBody.replace('replay', 'replaz') });
    expect(tampered.status).toBe(401);
  });

  it('410 Gone is a permanent ENDPOINT_GONE; 5xx retryable', async () => {
    rx.script({ status: 410 }, { status: 502 });
    expect((await deliver(webhook, [{ id: 'g' }], { config: config(rx.url), clock, fetch: net }))[0]).toMatchObject({ status: 'rejected', code: 'ENDPOINT_GONE' });
    expect((await deliver(webhook, [{ id: 'g' }], { config: config(rx.url), clock, fetch: net }))[0]!.status).toBe('retryable');
  });
});

describe('Braze', () => {
  const clock = { now: () => NOW };
  let bz: BrazeStandIn;
  beforeAll(async () => (bz = await startBrazeStandIn({ clock, accessToken: 'k' })));
  afterAll(() => bz.close());
  const config = () => braze.configSchema.parse({ endpoint: bz.url, apiKey: 'k', attributes: { plan: 'plan' }, event: { name: 'order_completed', properties: { total: 'value' } } });

  it('maps 201 errors back through the array and index to the right row', async () => {
    bz.reset();
    bz.script({ status: 201, body: { message: 'success', attributes_processed: 3, events_processed: 2, errors: [{ type: "'time' must be a valid time", input_array: 'events', index: 1 }] } });
    const rows = [0, 1, 2].map((i) => ({ external_id: `u${i}`, plan: 'pro', event_time: new Date(NOW), total: i }));
    const results = await deliver(braze, rows, { config: config(), clock, fetch: net });
    expect(results.map((r) => r.status)).toEqual(['delivered', 'rejected', 'delivered']);
    expect(results[1]!.reason).toMatch(/events\[1\]: 'time' must be a valid time/);
  });

  it('waits until X-RateLimit-Reset; Braze counts a resent event twice (no dedup key), attributes once', async () => {
    bz.reset();
    bz.setRateLimit({ requests: 0, windowMs: 3000 });
    expect((await deliver(braze, [{ external_id: 'u9', event_time: new Date(NOW) }], { config: config(), clock, fetch: net }))[0]).toMatchObject({ status: 'rate_limited', retryAfterMs: 3000 });
    bz.setRateLimit(null);
    const row = { external_id: 'u9', plan: 'pro', event_time: new Date(NOW) };
    await deliver(braze, [row], { config: config(), clock, fetch: net });
    await deliver(braze, [row], { config: config(), clock, fetch: net });
    expect(bz.events()).toHaveLength(2);
    expect(bz.count('external_id:u9')).toBe(1);
  });

  it('a phone identifier goes as E.164 or not at all', () => {
    const c = braze.configSchema.parse({ endpoint: bz.url, apiKey: 'k', identifier: 'phone', idColumn: 'phone', defaultCountry: 'GB' });
    expect(braze.map({ phone: '020 7946 0958' }, c, { now: NOW })).toMatchObject({ ok: true, item: { payload: { attributes: { phone: '+442079460958' } } } });
    expect(braze.map({ phone: '415 555 0100' }, c, { now: NOW })).toMatchObject({ ok: false, rejection: { field: 'phone' } });
  });
});

describe('Customer.io', () => {
  const clock = { now: () => NOW };
  let cio: CustomerIoStandIn;
  beforeAll(async () => (cio = await startCustomerIoStandIn({ clock, accessToken: 'site:key' })));
  afterAll(() => cio.close());
  const config = (over: Record<string, unknown> = {}) => customerIo.configSchema.parse({ endpoint: cio.url, siteId: 'site', apiKey: 'key', ...over });

  it('events carry a ULID derived from event_id and time: a resend is counted once', async () => {
    cio.reset();
    const c = config({ action: 'event', eventName: 'order_completed', attributes: { value: 'value' } });
    const row = { external_id: 'u1', event_id: 'ORD-1', event_time: new Date(NOW), value: 10 };
    await deliver(customerIo, [row], { config: c, clock, fetch: net });
    await deliver(customerIo, [row], { config: c, clock, fetch: net });
    const ulid = deterministicUlid(NOW, 'event:order_completed:ORD-1');
    expect(ulid).toMatch(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/);
    expect(JSON.parse(cio.requests[0]!.rawBody).batch[0]).toMatchObject({ type: 'person', identifiers: { id: 'u1' }, action: 'event', id: ulid, timestamp: NOW / 1000 });
    expect(cio.count(`event-id:${ulid}`)).toBe(1);
    expect(cio.received(`event-id:${ulid}`)).toBe(2);
    expect(cio.requests[0]!.headers['authorization']).toBe(`Basic ${Buffer.from('site:key').toString('base64')}`);
  });

  it('a 207 names the refused entries by batch_index', async () => {
    cio.reset();
    cio.script({ partial: [1] });
    const results = await deliver(customerIo, [{ external_id: 'a' }, { external_id: 'b' }, { external_id: 'c' }], { config: config(), clock, fetch: net });
    expect(results.map((r) => r.status)).toEqual(['delivered', 'rejected', 'delivered']);
    expect(cio.people.has('id:b')).toBe(false);
  });
});

describe('Amplitude', () => {
  const clock = { now: () => NOW };
  let amp: StandIn;
  beforeAll(async () => (amp = await startAmplitudeStandIn({ clock, accessToken: 'key' })));
  afterAll(() => amp.close());
  const config = () => amplitude.configSchema.parse({ endpoint: amp.url, apiKey: 'key' });
  const row = (i: number, over: Record<string, unknown> = {}) => ({ insert_id: `m-${i}`, event_type: 'Signed Up', user_id: `user-${i}`, event_time: new Date(NOW), ...over });

  it('insert_id makes a resend count once; ids shorter than 5 characters are refused before sending', async () => {
    amp.reset();
    await deliver(amplitude, [row(1)], { config: config(), clock, fetch: net });
    await deliver(amplitude, [row(1)], { config: config(), clock, fetch: net });
    expect(amp.count('m-1')).toBe(1);
    expect(amp.received('m-1')).toBe(2);
    expect(amplitude.map(row(2, { user_id: 'u7' }), config(), { now: NOW })).toMatchObject({ ok: false, rejection: { code: 'ID_TOO_SHORT', field: 'user_id' } });
  });

  it('a 400 naming events by index rejects those rows; the others were not ingested and stay retryable', async () => {
    amp.reset();
    amp.script({ partial: [2] });
    const results = await deliver(amplitude, [row(10), row(11), row(12)], { config: config(), clock, fetch: net });
    expect(results.map((r) => r.status)).toEqual(['retryable', 'retryable', 'rejected']);
    expect(results[2]!.reason).toMatch(/events\[2\] has invalid field time/);
    expect(results[0]!.code).toBe('NOT_PROCESSED');
  });
});
