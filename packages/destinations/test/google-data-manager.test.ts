import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deliver, googleDataManager, sha256Hex, type GoogleDataManagerConfig, type SendContext } from '@touchline/destinations';
import { startGoogleDataManagerStandIn, type GoogleDataManagerStandIn } from '@touchline/destinations/testing';

const NOW = Date.UTC(2026, 10, 25, 12);
const HOUR = 3_600_000;
const clock = { now: () => NOW };
let standIn: GoogleDataManagerStandIn;
let config: GoogleDataManagerConfig;
const ctx = (): SendContext<GoogleDataManagerConfig> => ({ config, clock, fetch: (u, i) => fetch(u, i) });
const row = (over: Record<string, unknown> = {}) => ({
  conversion_time: new Date(NOW - 2 * HOUR).toISOString(),
  transaction_id: 'ORD-1',
  consent_ad_user_data: true,
  ...over,
});
const map = (r: Record<string, unknown>) => googleDataManager.map(r, config, { now: NOW });

beforeAll(async () => {
  standIn = await startGoogleDataManagerStandIn({ clock });
  config = googleDataManager.configSchema.parse({ endpoint: standIn.url, accessToken: 'test-token', operatingAccountId: '1234567890', conversionActionId: '987654321' });
});
afterAll(() => standIn.close());
beforeEach(() => standIn.reset());

describe('Google Data Manager mapping', () => {
  it('sends one click id: gclid first, then gbraid, then wbraid (registry precedence)', () => {
    const both = map(row({ gclid: 'G', gbraid: 'B', wbraid: 'W' }));
    expect(both.ok && both.item.payload.adIdentifiers).toEqual({ gclid: 'G' });
    const braids = map(row({ gbraid: 'B', wbraid: 'W' }));
    expect(braids.ok && braids.item.payload.adIdentifiers).toEqual({ gbraid: 'B' });
    const web = map(row({ wbraid: 'W' }));
    expect(web.ok && web.item.payload.adIdentifiers).toEqual({ wbraid: 'W' });
  });

  it('writes the event time as RFC 3339 UTC and hashes identifiers the Google way', () => {
    const out = map(row({ email: 'Core.Y.test+x@GMAIL.com', phone: '+1 555 555 5555', conversion_time: '2026-11-25 10:00:00' }));
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.item.payload.eventTimestamp).toBe('2026-11-25T10:00:00Z');
    expect(out.item.payload.userData?.userIdentifiers).toEqual([
      { emailAddress: sha256Hex('coreytest@gmail.com') },
      { phoneNumber: '910a625c4ba147b544e6bd2f267e130ae14c591b6ba9c25cb8573322dedbebd0' },
    ]);
    expect(out.item.dedupKey).toBe('ORD-1');
  });

  it('uses click id + time as the dedup key when there is no transaction id', () => {
    const out = map(row({ transaction_id: undefined, gclid: 'G1' }));
    expect(out.ok && out.item.dedupKey).toBe(`gclid:G1:${new Date(NOW - 2 * HOUR).toISOString().replace('.000Z', 'Z')}`);
  });

  it('rejects rows Google would refuse, naming the column', () => {
    expect(map(row({ gclid: 'G', conversion_time: new Date(NOW - 91 * 24 * HOUR) }))).toMatchObject({ ok: false, rejection: { code: 'EXPIRED_EVENT', field: 'conversion_time' } });
    expect(map(row({ gclid: 'G', click_time: new Date(NOW - HOUR) }))).toMatchObject({ ok: false, rejection: { code: 'CONVERSION_PRECEDES_EVENT' } });
    expect(map(row({}))).toMatchObject({ ok: false, rejection: { code: 'NO_IDENTIFIERS_PROVIDED' } });
    expect(map(row({ phone: '555 0100' }))).toMatchObject({ ok: false, rejection: { code: 'NO_IDENTIFIERS_PROVIDED', field: 'phone' } });
    expect(map(row({ gclid: 'G', conversion_value: -1 }))).toMatchObject({ ok: false, rejection: { field: 'conversion_value' } });
    expect(map(row({ transaction_id: undefined, email: 'a@example.com' }))).toMatchObject({ ok: false, rejection: { code: 'MISSING_TRANSACTION_ID' } });
  });

  it('forwards ad_personalization consent when the row has it', () => {
    const out = map(row({ gclid: 'G', consent_ad_personalization: 'denied' }));
    expect(out.ok && out.item.payload.consent).toEqual({ adUserData: 'CONSENT_GRANTED', adPersonalization: 'CONSENT_DENIED' });
  });
});

describe('Google Data Manager stand-in', () => {
  const raw = (events: unknown[], extra: Record<string, unknown> = {}) =>
    fetch(`${standIn.url}/v1/events:ingest`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-token', 'content-type': 'application/json' },
      body: JSON.stringify({
        destinations: [{ reference: 'd', operatingAccount: { accountType: 'GOOGLE_ADS', accountId: '1234567890' }, productDestinationId: '1' }],
        events,
        encoding: 'HEX',
        ...extra,
      }),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error?: { details: { fieldViolations?: { field: string; reason: string }[] }[] } } }));
  const reasons = (b: Awaited<ReturnType<typeof raw>>['body']) => b.error?.details.flatMap((d) => d.fieldViolations ?? []).map((v) => v.reason);
  const ev = (over: Record<string, unknown> = {}) => ({ eventTimestamp: '2026-11-25T10:00:00Z', eventSource: 'WEB', transactionId: 'T', adIdentifiers: { gclid: 'G' }, ...over });

  it('refuses gbraid and wbraid together, and any two click ids', async () => {
    expect(reasons((await raw([ev({ adIdentifiers: { gbraid: 'B', wbraid: 'W' } })])).body)).toContain('GBRAID_WBRAID_BOTH_SET');
    expect((await raw([ev({ adIdentifiers: { gclid: 'G', wbraid: 'W' } })])).status).toBe(400);
  });

  it('refuses the Google Ads datetime format and non-hex hashes', async () => {
    expect(reasons((await raw([ev({ eventTimestamp: '2026-11-25 10:00:00+00:00' })])).body)).toContain('INVALID_TIMESTAMP');
    expect(reasons((await raw([ev({ userData: { userIdentifiers: [{ emailAddress: 'ada@example.com' }] } })])).body)).toContain('INVALID_SHA256_FORMAT');
    expect(reasons((await raw([ev({ userData: { userIdentifiers: [{ emailAddress: 'A'.repeat(64) }] } })])).body)).toContain('INVALID_SHA256_FORMAT');
  });

  it('requires encoding with user data, and an identifier', async () => {
    const hex = 'a'.repeat(64);
    expect((await raw([ev({ userData: { userIdentifiers: [{ emailAddress: hex }] } })], { encoding: undefined })).status).toBe(400);
    expect(reasons((await raw([ev({ adIdentifiers: undefined })])).body)).toContain('NO_IDENTIFIERS_PROVIDED');
  });

  it('knows click times: expired clicks and conversions before the click are refused', async () => {
    standIn.registerClick('OLD', NOW - 100 * 24 * HOUR);
    standIn.registerClick('LATE', NOW - HOUR);
    expect(reasons((await raw([ev({ adIdentifiers: { gclid: 'OLD' } })])).body)).toContain('EXPIRED_EVENT');
    expect(reasons((await raw([ev({ adIdentifiers: { gclid: 'LATE' } })])).body)).toContain('CONVERSION_PRECEDES_EVENT');
  });

  it('fails fast: the named event is rejected, the others come back to be resent', async () => {
    standIn.registerClick('G-1', NOW - 100 * 24 * HOUR);
    const rows = [0, 1, 2].map((i) => row({ gclid: `G-${i}`, transaction_id: `T-${i}` }));
    const results = await deliver(googleDataManager, rows, ctx());
    expect(results.map((r) => r.status)).toEqual(['retryable', 'rejected', 'retryable']);
    expect(results[1]).toMatchObject({ code: 'EXPIRED_EVENT' });
    expect(results[0]).toMatchObject({ code: 'NOT_PROCESSED' });
    expect(standIn.accepted).toHaveLength(0);
  });

  it('rate limit answers carry RetryInfo, which becomes the row wait', async () => {
    standIn.setRateLimit({ requests: 1, windowMs: 60_000 });
    await deliver(googleDataManager, [row({ gclid: 'A' })], ctx());
    const [r] = await deliver(googleDataManager, [row({ gclid: 'B', transaction_id: 'ORD-2' })], ctx());
    expect(r).toMatchObject({ status: 'rate_limited', code: 'RESOURCE_EXHAUSTED', retryAfterMs: 60_000 });
    standIn.setRateLimit(null);
  });
});
