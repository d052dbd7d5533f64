import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { classifyHttp, deliver, tiktokEvents, tiktokRule, type TiktokEventsConfig } from '@touchline/destinations';
import { startTiktokEventsStandIn, type StandIn } from '@touchline/destinations/testing';

const NOW = Date.UTC(2026, 10, 25, 12);
const clock = { now: () => NOW };
let standIn: StandIn;
let config: TiktokEventsConfig;
const ctx = () => ({ config, clock, fetch: (u: string, i: RequestInit & { method: string; headers: Record<string, string> }) => fetch(u, i) });
const row = (over: Record<string, unknown> = {}) => ({ event_id: 'e-1', event_time: new Date(NOW - 3_600_000), ttclid: 'E.C.P.abc', consent_ad_user_data: true, ...over });

beforeAll(async () => {
  standIn = await startTiktokEventsStandIn({ clock, eventSourceId: 'CPIXEL' });
  config = tiktokEvents.configSchema.parse({ endpoint: standIn.url, accessToken: 'test-token', eventSourceId: 'CPIXEL', defaultCountry: 'US' });
});
afterAll(() => standIn.close());
beforeEach(() => standIn.reset());

describe('TikTok Events API mapping', () => {
  it("hashes as Segment's published TikTok test expects (activation-contracts.md §3.5, §10.3)", () => {
    const out = tiktokEvents.map(row({ email: ' CoreyTest1231@gmail.com', phone: '+1 (555) 555-5555', external_id: 'TestID123' }), config, { now: NOW });
    expect(out.ok && out.item.payload.user).toEqual({
      ttclid: 'E.C.P.abc',
      email: ['eb9869a32b532840dd6aa714f7a872d21d6f650fc5aa933d9feefc64708969c7'],
      phone: ['910a625c4ba147b544e6bd2f267e130ae14c591b6ba9c25cb8573322dedbebd0'],
      external_id: ['481f202262e9c5ccc48d24e60798fadaa5f6ff1f8369f7ab927c04c3aa682a7f'],
    });
    expect(out.ok && out.item.payload.event_time).toBe(Math.floor((NOW - 3_600_000) / 1000));
  });

  it('refuses a phone that is not valid for the default country rather than hash the wrong person', () => {
    expect(tiktokEvents.map(row({ phone: '020 7946 0958' }), config, { now: NOW })).toMatchObject({ ok: false, rejection: { code: 'INVALID_PHONE', field: 'phone' } });
  });
});

describe('TikTok answers: errors inside HTTP 200', () => {
  it('code 0 and 20001 are delivered; 40100 rate-limited; 40001/40105 and 40002 permanent', () => {
    const a = (body: unknown) => classifyHttp({ status: 200, headers: new Headers(), body }, NOW, [tiktokRule]);
    expect(a({ code: 0, message: 'OK' }).kind).toBe('success');
    expect(a({ code: 20001, message: 'partial' }).kind).toBe('success');
    expect(a({ code: 40100, message: 'Too many requests' })).toMatchObject({ kind: 'rate_limited', code: '40100' });
    expect(a({ code: 40001, message: 'No permission' })).toMatchObject({ kind: 'permanent', code: '40001' });
    expect(a({ code: 40002, message: 'Batch.0.x' })).toMatchObject({ kind: 'permanent', code: '40002' });
    expect(a({ code: 50002, message: 'system' }).kind).toBe('retryable');
  });

  it("a 40002 naming Batch.1 rejects that row; the others were not processed and stay retryable", async () => {
    standIn.script({ partial: [1] });
    const results = await deliver(tiktokEvents, [row({ event_id: 'a' }), row({ event_id: 'b' }), row({ event_id: 'c' })], ctx());
    expect(results.map((r) => r.status)).toEqual(['retryable', 'rejected', 'retryable']);
    expect(results[1]).toMatchObject({ code: '40002' });
    expect(results[0]!.code).toBe('NOT_PROCESSED');
    expect(standIn.requests[0]!.status).toBe(200);
  });

  it('throttling and a refused token arrive with HTTP 200 and are never "delivered"', async () => {
    standIn.setRateLimit({ requests: 1, windowMs: 60_000 });
    await deliver(tiktokEvents, [row()], ctx());
    expect((await deliver(tiktokEvents, [row({ event_id: 'z' })], ctx()))[0]).toMatchObject({ status: 'rate_limited', code: '40100', answer: { httpStatus: 200 } });
    standIn.setRateLimit(null);
    const [r] = await deliver(tiktokEvents, [row()], { ...ctx(), config: { ...config, accessToken: 'revoked' } });
    expect(r).toMatchObject({ status: 'rejected', code: '40105', answer: { httpStatus: 200 } });
    const [p] = await deliver(tiktokEvents, [row()], { ...ctx(), config: { ...config, eventSourceId: 'COTHER' } });
    expect(p).toMatchObject({ status: 'rejected', code: '40001' });
  });

  it('the stand-in refuses millisecond timestamps and unhashed e-mails, as TikTok does', async () => {
    const post = (data: unknown[]) =>
      fetch(`${standIn.url}/open_api/v1.3/event/track/`, { method: 'POST', headers: { 'access-token': 'test-token', 'content-type': 'application/json' }, body: JSON.stringify({ event_source: 'web', event_source_id: 'CPIXEL', data }) }).then((r) => r.json() as Promise<{ code: number; message: string }>);
    expect(await post([{ event: 'X', event_time: NOW, event_id: '1' }])).toMatchObject({ code: 40002, message: expect.stringContaining('Batch.0.event_time') });
    expect(await post([{ event: 'X', event_time: Math.floor(NOW / 1000), user: { email: ['a@b.co'] } }])).toMatchObject({ code: 40002 });
  });
});
