import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildFbc, deliver, metaCapi, sha256Hex, type MetaCapiConfig, type SendContext } from '@touchline/destinations';
import { startMetaCapiStandIn, type StandIn } from '@touchline/destinations/testing';

const NOW = Date.UTC(2026, 10, 25, 12);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let t = NOW;
const clock = { now: () => t };
let standIn: StandIn;
let config: MetaCapiConfig;
const ctx = (over: Partial<SendContext<MetaCapiConfig>> = {}): SendContext<MetaCapiConfig> => ({ config, clock, fetch: (u, i) => fetch(u, i), ...over });
const row = (over: Record<string, unknown> = {}) => ({
  event_id: 'order-1',
  event_time: new Date(NOW - HOUR),
  event_source_url: 'https://shop.example.com/done',
  client_user_agent: 'Mozilla/5.0',
  email: 'Ada@Example.com',
  value: 10,
  currency: 'EUR',
  consent_ad_user_data: 'granted',
  ...over,
});
const map = (r: Record<string, unknown>) => metaCapi.map(r, config, { now: NOW });

beforeAll(async () => {
  standIn = await startMetaCapiStandIn({ clock });
  config = metaCapi.configSchema.parse({ endpoint: standIn.url, accessToken: 'test-token', pixelId: '42' });
});
afterAll(() => standIn.close());
beforeEach(() => {
  standIn.reset();
  t = NOW;
});

describe('fbc', () => {
  it('is fb.<subdomainIndex>.<click time ms>.<fbclid>, the fbclid byte for byte', () => {
    expect(buildFbc('IwAR2AbC_dEf', 1764099000000)).toBe('fb.1.1764099000000.IwAR2AbC_dEf');
  });

  it('is built from fbclid + fbclid_at, and a well-formed cookie (with appendix) is kept as is', () => {
    const built = map(row({ fbclid: 'IwAR2XyZ', fbclid_at: new Date(NOW - 2 * HOUR) }));
    expect(built.ok && built.item.payload.user_data.fbc).toBe(`fb.1.${NOW - 2 * HOUR}.IwAR2XyZ`);
    const cookie = `fb.2.${NOW - 2 * HOUR}.IwAR2XyZ.AQ`;
    const kept = map(row({ fbc: cookie, fbclid: 'other', fbclid_at: NOW }));
    expect(kept.ok && kept.item.payload.user_data.fbc).toBe(cookie);
  });

  it('is never fabricated without a click time, nor sent for a click over 90 days old or after the event', () => {
    for (const extra of [{ fbclid: 'X' }, { fbclid: 'X', fbclid_at: new Date(NOW - 95 * DAY) }, { fbclid: 'X', fbclid_at: new Date(NOW) }]) {
      const out = map(row(extra));
      expect(out.ok && out.item.payload.user_data.fbc).toBeUndefined();
    }
  });
});

describe('Meta mapping', () => {
  it('hashes user data the Meta way and keys dedup on event_name + event_id', () => {
    const out = map(row({ phone: '+1 (650) 555-1212', event_time: Math.floor((NOW - HOUR) / 1000) }));
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.item.payload.user_data.em).toEqual([sha256Hex('ada@example.com')]);
    expect(out.item.payload.user_data.ph).toEqual(['e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176']);
    expect(out.item.payload.event_time).toBe(Math.floor((NOW - HOUR) / 1000));
    expect(out.item.dedupKey).toBe('Purchase:order-1');
  });

  it('rejects what would make Meta refuse the whole batch', () => {
    expect(map(row({ event_time: new Date(NOW - 8 * DAY) }))).toMatchObject({ ok: false, rejection: { code: 'EVENT_TOO_OLD' } });
    expect(map(row({ event_time: new Date(NOW - 8 * DAY), action_source: 'physical_store' })).ok).toBe(true);
    expect(map(row({ value: undefined }))).toMatchObject({ ok: false, rejection: { code: 'MISSING_VALUE_FOR_PURCHASE', field: 'value' } });
    expect(map(row({ client_user_agent: undefined }))).toMatchObject({ ok: false, rejection: { field: 'client_user_agent' } });
    expect(map(row({ event_id: undefined }))).toMatchObject({ ok: false, rejection: { field: 'event_id' } });
    expect(map(row({ email: undefined }))).toMatchObject({ ok: false, rejection: { code: 'NO_CUSTOMER_INFORMATION' } });
  });
});

describe('Meta stand-in and answers', () => {
  const post = (data: unknown[], query = '?access_token=test-token') =>
    fetch(`${standIn.url}/v25.0/42/events${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data }) }).then(
      async (r) => ({ status: r.status, body: (await r.json()) as { error?: { code: number; error_subcode?: number }; events_received?: number } }),
    );
  const ev = (over: Record<string, unknown> = {}) => ({
    event_name: 'Lead', event_time: Math.floor((NOW - HOUR) / 1000), action_source: 'system_generated', user_data: { em: [sha256Hex('a@b.co')] }, ...over,
  });

  it('refuses the whole batch for one too-old event (subcode 2804003)', async () => {
    const r = await post([ev(), ev({ event_time: Math.floor((NOW - 8 * DAY) / 1000) })]);
    expect(r).toMatchObject({ status: 400, body: { error: { code: 100, error_subcode: 2804003 } } });
    expect(standIn.accepted).toHaveLength(0);
  });

  it('refuses unhashed user data, millisecond event times, and malformed fbc', async () => {
    expect((await post([ev({ user_data: { em: ['a@b.co'] } })])).status).toBe(400);
    expect((await post([ev({ event_time: NOW - HOUR })])).status).toBe(400);
    expect((await post([ev({ user_data: { fbc: 'fb.1.123.abc' } })])).status).toBe(400);
  });

  it('accepts the form encoding with data as a JSON string', async () => {
    const r = await fetch(`${standIn.url}/v25.0/42/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ data: JSON.stringify([ev({ event_id: 'form-1' })]), access_token: 'test-token' }).toString(),
    });
    expect(r.status).toBe(200);
    expect(standIn.count('Lead:form-1')).toBe(1);
  });

  it('reports an expired fbc in diagnostics without refusing it', async () => {
    const fbc = `fb.1.${NOW - 100 * DAY}.IwAR`;
    expect((await post([ev({ event_id: 'x', user_data: { fbc } })])).status).toBe(200);
    expect(standIn.diagnostics.join()).toMatch(/expired/);
  });

  it('dedups on event_name + event_id for 48 hours only', async () => {
    await deliver(metaCapi, [row()], ctx());
    t = NOW + 47 * HOUR;
    await deliver(metaCapi, [row({ event_time: new Date(NOW + 46 * HOUR) })], ctx());
    expect(standIn.count('Purchase:order-1')).toBe(1);
    t = NOW + 49 * HOUR;
    await deliver(metaCapi, [row({ event_time: new Date(NOW + 48 * HOUR) })], ctx());
    expect(standIn.count('Purchase:order-1')).toBe(2);
    expect(standIn.received('Purchase:order-1')).toBe(3);
  });

  it('a 200 whose events_received does not match is retryable, not delivered', async () => {
    standIn.script({ status: 200, body: { events_received: 1, fbtrace_id: 'x' } });
    const results = await deliver(metaCapi, [row(), row({ event_id: 'order-2' })], ctx());
    expect(results.map((r) => r.status)).toEqual(['retryable', 'retryable']);
    expect(results[0]!.code).toBe('EVENTS_RECEIVED_MISMATCH');
  });

  it('throttling (code 4) is rate-limited with the Business-Use-Case wait; a refused multi-row batch says isolate', async () => {
    standIn.setRateLimit({ requests: 1, windowMs: 120_000 });
    await deliver(metaCapi, [row()], ctx());
    const [r] = await deliver(metaCapi, [row({ event_id: 'order-9' })], ctx());
    expect(r).toMatchObject({ status: 'rate_limited', code: '4', retryAfterMs: 120_000 });
    standIn.setRateLimit(null);
    standIn.script({ status: 400, body: { error: { code: 100, message: 'Invalid parameter', type: 'OAuthException' } } });
    const refused = await deliver(metaCapi, [row({ event_id: 'a' }), row({ event_id: 'b' })], ctx());
    expect(refused.every((x) => x.status === 'rejected' && x.isolate === true)).toBe(true);
  });

  it('a bad token (code 190) is permanent and not to be isolated', async () => {
    const [r] = await deliver(metaCapi, [row(), row({ event_id: 'z' })], ctx({ config: { ...config, accessToken: 'nope' } }));
    expect(r).toMatchObject({ status: 'rejected', code: '190' });
    expect(r!.isolate).toBeUndefined();
  });
});
