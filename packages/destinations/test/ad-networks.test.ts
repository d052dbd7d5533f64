import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deliver,
  googleAdsClickConversions,
  linkedinConversions,
  microsoftAdsConversions,
  sha256Hex,
  type FetchLike,
  type GoogleAdsClickConversionsConfig,
  type LinkedinConversionsConfig,
  type MicrosoftAdsConversionsConfig,
} from '@touchline/destinations';
import {
  startGoogleAdsStandIn,
  startLinkedinConversionsStandIn,
  startMicrosoftAdsStandIn,
  type GoogleAdsStandIn,
  type MicrosoftAdsStandIn,
  type StandIn,
} from '@touchline/destinations/testing';

const NOW = Date.UTC(2026, 10, 25, 12);
const HOUR = 3_600_000;
const clock = { now: () => NOW };
const net: FetchLike = (u, i) => fetch(u, i);
const body = (s: StandIn, i = 0) => JSON.parse(s.requests[i]!.rawBody) as Record<string, unknown>;

describe('LinkedIn Conversions API', () => {
  let li: StandIn;
  let config: LinkedinConversionsConfig;
  const send = (rows: Record<string, unknown>[], c = config) => deliver(linkedinConversions, rows, { config: c, clock, fetch: net });
  const row = (over: Record<string, unknown> = {}) => ({ event_id: 'E1', conversion_time: new Date(NOW - HOUR), li_fat_id: 'fat-1', consent_ad_user_data: true, ...over });
  beforeAll(async () => {
    li = await startLinkedinConversionsStandIn({ clock, nonApiRules: ['999'] });
    config = linkedinConversions.configSchema.parse({ endpoint: li.url, accessToken: 'test-token', conversionRuleId: '104012' });
  });
  afterAll(() => li.close());

  it('sends the versioned REST headers, li_fat_id unhashed, e-mail SHA-256, the amount as a string', async () => {
    li.reset();
    const [r] = await send([row({ email: ' Ada@Example.com ', conversion_value: 149.9, currency: 'usd' })]);
    expect(r!.status).toBe('delivered');
    expect(li.requests[0]!.headers).toMatchObject({ 'linkedin-version': '202603', 'x-restli-protocol-version': '2.0.0', 'x-restli-method': 'BATCH_CREATE' });
    expect(body(li)['elements']).toEqual([
      {
        conversion: 'urn:lla:llaPartnerConversion:104012',
        conversionHappenedAt: NOW - HOUR,
        conversionValue: { currencyCode: 'USD', amount: '149.9' },
        eventId: 'E1',
        user: { userIds: [{ idType: 'SHA256_EMAIL', idValue: sha256Hex('ada@example.com') }, { idType: 'LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID', idValue: 'fat-1' }] },
      },
    ]);
  });

  it('a sunset version is a 426 no retry fixes', async () => {
    li.reset();
    const [r] = await send([row()], { ...config, apiVersion: '202401' });
    expect(r).toMatchObject({ status: 'rejected', code: 'VERSION_NOT_ACTIVE', answer: { httpStatus: 426 } });
    expect(r!.reason).toMatch(/pin a current LinkedIn-Version/);
  });

  it('a whole-request 400/422 naming indexes rejects those rows; the rest were not processed', async () => {
    li.reset();
    const results = await send([row({ event_id: 'a' }), row({ event_id: 'b' })], { ...config, conversionRuleId: '999' });
    expect(results.map((r) => r.status)).toEqual(['rejected', 'retryable']);
    expect(results[0]!.reason).toMatch(/CONVERSIONS_API/);
    li.script({ status: 422, body: { status: 422, message: 'Index: 1, ERROR :: /user/userInfo/firstName :: field is required but not found and has no default value\n' } });
    const named = await send([row({ event_id: 'c' }), row({ event_id: 'd' }), row({ event_id: 'e' })]);
    expect(named.map((r) => r.status)).toEqual(['retryable', 'rejected', 'retryable']);
    expect(named[1]!.reason).toMatch(/firstName/);
  });

  it('refuses rows LinkedIn would refuse with 422 before sending them', () => {
    const map = (r: Record<string, unknown>) => linkedinConversions.map(r, config, { now: NOW });
    expect(map(row({ first_name: 'Ada' }))).toMatchObject({ ok: false, rejection: { field: 'last_name' } });
    expect(map(row({ conversion_value: 5 }))).toMatchObject({ ok: false, rejection: { field: 'currency' } });
    expect(map(row({ conversion_time: new Date(NOW - 91 * 24 * HOUR) }))).toMatchObject({ ok: false, rejection: { code: 'EVENT_TOO_OLD' } });
    expect(map({ event_id: 'x', conversion_time: new Date(NOW), consent_ad_user_data: true })).toMatchObject({ ok: false, rejection: { code: 'NO_USER_IDS' } });
  });
});

describe('Microsoft Advertising offline conversions', () => {
  let ms: MicrosoftAdsStandIn;
  let config: MicrosoftAdsConversionsConfig;
  const send = (rows: Record<string, unknown>[], c = config) => deliver(microsoftAdsConversions, rows, { config: c, clock, fetch: net });
  const row = (over: Record<string, unknown> = {}) => ({ msclkid: 'f894f652ea334e739002f7167ab8f8e3', conversion_time: new Date(NOW - HOUR), consent_ad_user_data: true, ...over });
  beforeAll(async () => {
    ms = await startMicrosoftAdsStandIn({ clock, goals: ['Offline Purchase', 'Lead'] });
    config = microsoftAdsConversions.configSchema.parse({ endpoint: ms.url, accessToken: 'test-token', developerToken: 'dev-token', customerId: '1111111', customerAccountId: '2222222', conversionName: 'Offline Purchase' });
  });
  afterAll(() => ms.close());

  it('sends the four headers and PascalCase fields; PartialErrors name the refused rows by Index', async () => {
    ms.reset();
    ms.registerClick('late-click', NOW - 30 * 60_000);
    const results = await send([row({ conversion_value: 10, currency: 'usd' }), row({ msclkid: 'late-click' }), row({ msclkid: 'x2', conversion_name: 'Nope' })]);
    expect(results.map((r) => r.status)).toEqual(['delivered', 'rejected', 'rejected']);
    expect(results[1]!.reason).toMatch(/OfflineConversions\[1\].*precedes the click/);
    expect(results[2]!.reason).toMatch(/goal "Nope" was not found/);
    expect(ms.requests[0]!.headers).toMatchObject({ authorization: 'Bearer test-token', developertoken: 'dev-token', customerid: '1111111', customeraccountid: '2222222' });
    expect((body(ms)['OfflineConversions'] as unknown[])[0]).toEqual({
      MicrosoftClickId: 'f894f652ea334e739002f7167ab8f8e3', ConversionName: 'Offline Purchase', ConversionTime: new Date(NOW - HOUR).toISOString().replace('.000Z', 'Z'), ConversionValue: 10, ConversionCurrencyCode: 'USD',
    });
  });

  it('fault 117 is rate-limited for 60 s whatever the HTTP status; a wrong account is a credentials refusal', async () => {
    ms.reset();
    ms.setRateLimit({ requests: 0, windowMs: 60_000 });
    expect((await send([row()]))[0]).toMatchObject({ status: 'rate_limited', code: 'CallRateExceeded', retryAfterMs: 60_000, answer: { httpStatus: 400 } });
    ms.setRateLimit(null);
    expect((await send([row()], { ...config, customerAccountId: '3333333' }))[0]).toMatchObject({ status: 'rejected', code: 'UserIsNotAuthorized' });
  });
});

describe('Google Ads API uploadClickConversions', () => {
  let ads: GoogleAdsStandIn;
  let config: GoogleAdsClickConversionsConfig;
  const send = (rows: Record<string, unknown>[], c = config) => deliver(googleAdsClickConversions, rows, { config: c, clock, fetch: net });
  const row = (over: Record<string, unknown> = {}) => ({ gclid: 'G-1', conversion_time: new Date(NOW - HOUR), transaction_id: 'ORD-1', consent_ad_user_data: true, ...over });
  beforeAll(async () => {
    ads = await startGoogleAdsStandIn({ clock, managerCustomerId: '9998887777', conversionActions: ['987654321'] });
    config = googleAdsClickConversions.configSchema.parse({ endpoint: ads.url, accessToken: 'test-token', developerToken: 'dev-token', customerId: '1234567890', loginCustomerId: '9998887777', conversionActionId: '987654321' });
  });
  afterAll(() => ads.close());

  it('sends developer-token and login-customer-id, partialFailure true, the date-time with its offset', async () => {
    ads.reset();
    expect((await send([row()]))[0]!.status).toBe('delivered');
    expect(ads.requests[0]!.path).toBe('/v26/customers/1234567890:uploadClickConversions');
    expect(ads.requests[0]!.headers).toMatchObject({ 'developer-token': 'dev-token', 'login-customer-id': '9998887777' });
    expect(body(ads)).toMatchObject({ partialFailure: true, validateOnly: false, conversions: [{ gclid: 'G-1', conversionAction: 'customers/1234567890/conversionActions/987654321', conversionDateTime: '2026-11-25 11:00:00+00:00', orderId: 'ORD-1' }] });
    const [noMcc] = await send([row({ transaction_id: 'ORD-2' })], { ...config, loginCustomerId: undefined });
    expect(noMcc).toMatchObject({ status: 'rejected', answer: { httpStatus: 403 } });
  });

  it('partial failure: refused rows by index, already-uploaded rows delivered, too-recent clicks retried later', async () => {
    ads.reset();
    ads.registerClick('G-early', NOW - 5 * 60_000);
    ads.registerClick('G-before', NOW - 10 * 60_000);
    await send([row({ transaction_id: 'ORD-dup' })]);
    const results = await send([
      row({ gclid: 'G-ok', transaction_id: 'ORD-ok' }),
      row({ transaction_id: 'ORD-dup' }),
      row({ gclid: 'G-early', transaction_id: 'ORD-early', conversion_time: new Date(NOW - 60_000) }),
      row({ gclid: 'G-before', transaction_id: 'ORD-before', conversion_time: new Date(NOW - 20 * 60_000) }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['delivered', 'delivered', 'retryable', 'rejected']);
    expect(results[1]!.code).toBe('ORDER_ID_ALREADY_IN_USE');
    expect(results[2]).toMatchObject({ code: 'TOO_RECENT_EVENT', retryAfterMs: HOUR });
    expect(results[3]!.code).toBe('CONVERSION_PRECEDES_EVENT');
    expect(ads.count('ORD-dup')).toBe(1);
    expect(ads.received('ORD-dup')).toBe(2);
  });

  it('a token Google no longer allows gets CUSTOMER_NOT_ALLOWLISTED, pointing at Data Manager', async () => {
    const closed = await startGoogleAdsStandIn({ clock, allowlisted: false });
    try {
      const [r] = await send([row()], { ...config, endpoint: closed.url, loginCustomerId: undefined });
      expect(r).toMatchObject({ status: 'rejected', code: 'CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE' });
      expect(r!.reason).toMatch(/google-data-manager/);
    } finally {
      await closed.close();
    }
  });

  it('quota exhaustion is a 429 with the retryDelay Google names', async () => {
    ads.reset();
    ads.setRateLimit({ requests: 0, windowMs: 30_000 });
    expect((await send([row({ transaction_id: 'q' })]))[0]).toMatchObject({ status: 'rate_limited', code: 'RESOURCE_EXHAUSTED', retryAfterMs: 30_000 });
    ads.setRateLimit(null);
  });
});
