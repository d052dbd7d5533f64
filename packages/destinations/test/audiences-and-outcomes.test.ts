import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  deliver,
  googleCustomerMatch,
  googleDataManager,
  metaCustomAudience,
  sha256Hex,
  type FetchLike,
  type GoogleDataManagerConfig,
  type Row,
} from '@touchline/destinations';
import { startGoogleDataManagerStandIn, startMetaCustomAudienceStandIn, type GoogleDataManagerStandIn, type StandIn } from '@touchline/destinations/testing';

const NOW = Date.UTC(2026, 10, 25, 12);
const net: FetchLike = (u, i) => fetch(u, i);

describe('asynchronous outcomes: Data Manager requestStatus', () => {
  let t = NOW;
  const clock = { now: () => t };
  let dm: GoogleDataManagerStandIn;
  let slow: GoogleDataManagerStandIn;
  let config: GoogleDataManagerConfig;
  const outcomes = googleDataManager.outcomes!;
  const row = (i: number): Row => ({ gclid: `G-${i}`, transaction_id: `T-${i}`, conversion_time: new Date(NOW - 3_600_000), consent_ad_user_data: true });
  const send = async (rows: Row[], endpoint = dm.url) => {
    const c = { ...config, endpoint };
    const results = await deliver(googleDataManager, rows, { config: c, clock, fetch: net });
    const verdicts = await outcomes.collect(results.map((r) => ({ ref: r.ref, receipt: r.receipt! })), { config: c, clock, fetch: net });
    return { results, verdicts };
  };
  beforeAll(async () => {
    dm = await startGoogleDataManagerStandIn({ clock });
    slow = await startGoogleDataManagerStandIn({ clock, processingMs: 10 * 60_000 });
    config = googleDataManager.configSchema.parse({ endpoint: dm.url, accessToken: 'test-token', operatingAccountId: '1234567890', conversionActionId: '1' });
  });
  afterAll(async () => Promise.all([dm.close(), slow.close()]));
  beforeEach(() => {
    t = NOW;
    dm.reset();
  });

  it('a row accepted, then rejected by Google later, is not left "delivered"', async () => {
    dm.lateVerdict({ status: 'FAILED', errors: [{ reason: 'PROCESSING_ERROR_REASON_INVALID_GCLID', count: 1 }] });
    const { results, verdicts } = await send([row(1)]);
    expect(results[0]).toMatchObject({ status: 'delivered', receipt: { rows: 1 } });
    expect(verdicts[0]).toMatchObject({ status: 'rejected', code: 'PROCESSING_ERROR_REASON_INVALID_GCLID' });
    expect(verdicts[0]!.reason).toMatch(/after accepting it/);
    expect(dm.requests.at(-1)!.path).toBe('/v1/requestStatus:retrieve');
    expect(dm.requests.at(-1)!.query['requestId']).toBe(results[0]!.receipt!.requestId);
  });

  it('a partial success names no rows: a lone row is refused, rows of a larger request are isolated', async () => {
    dm.lateVerdict({ status: 'PARTIAL_SUCCESS', errors: [{ reason: 'PROCESSING_ERROR_REASON_EVENT_TOO_OLD', count: 1 }] });
    const many = await send([row(1), row(2), row(3)]);
    expect(many.verdicts.map((v) => [v.status, v.isolate])).toEqual([['rejected', true], ['rejected', true], ['rejected', true]]);
    dm.lateVerdict({ status: 'PARTIAL_SUCCESS', errors: [{ reason: 'PROCESSING_ERROR_REASON_EVENT_TOO_OLD', count: 1 }] });
    const one = await send([row(4)]);
    expect(one.verdicts[0]).toMatchObject({ status: 'rejected', code: 'PROCESSING_ERROR_REASON_EVENT_TOO_OLD' });
    expect(one.verdicts[0]!.isolate).toBeUndefined();
  });

  it('duplicates Google already had count as delivered; success is delivered', async () => {
    dm.lateVerdict({ status: 'FAILED', errors: [{ reason: 'PROCESSING_ERROR_REASON_DUPLICATE_TRANSACTION_ID', count: 2 }] });
    expect((await send([row(5), row(6)])).verdicts.map((v) => v.status)).toEqual(['delivered', 'delivered']);
    expect((await send([row(7)])).verdicts.map((v) => v.status)).toEqual(['delivered']);
  });

  it('still processing: pending, asked again later; after a day without a verdict, accepted but UNCONFIRMED', async () => {
    const first = await send([row(8)], slow.url);
    expect(first.verdicts[0]).toMatchObject({ status: 'pending', checkAfterMs: 300_000 });
    const pending = [{ ref: first.results[0]!.ref, receipt: first.results[0]!.receipt! }];
    const c = { ...config, endpoint: slow.url };
    const stale = [{ ...pending[0]!, receipt: { ...pending[0]!.receipt, sentAt: NOW - 25 * 3_600_000 } }];
    expect((await outcomes.collect(stale, { config: c, clock, fetch: net }))[0]).toMatchObject({ status: 'delivered', code: 'UNCONFIRMED' });
    t = NOW + 11 * 60_000;
    expect((await outcomes.collect(pending, { config: c, clock, fetch: net }))[0]!.status).toBe('delivered');
    const down: FetchLike = () => Promise.reject(new Error('ECONNRESET'));
    expect((await outcomes.collect(pending, { config: c, clock, fetch: down }))[0]).toMatchObject({ status: 'pending', checkAfterMs: 60_000 });
    const unknown = [{ ref: 'x', receipt: { requestId: 'never-sent', sentAt: NOW, rows: 1 } }];
    expect((await outcomes.collect(unknown, { config: c, clock, fetch: net }))[0]!.status).toBe('pending');
  });
});

describe('audiences', () => {
  const clock = { now: () => NOW };
  let dm: GoogleDataManagerStandIn;
  let meta: StandIn;
  beforeAll(async () => {
    dm = await startGoogleDataManagerStandIn({ clock });
    meta = await startMetaCustomAudienceStandIn({ clock, audienceId: '238' });
  });
  afterAll(async () => Promise.all([dm.close(), meta.close()]));

  it('Customer Match: adds accept the terms and carry consent; removals carry neither and still need no consent', async () => {
    dm.reset();
    const config = googleCustomerMatch.configSchema.parse({ endpoint: dm.url, accessToken: 'test-token', operatingAccountId: '1234567890', userListId: '77' });
    const person = { email: 'Core.Y.test+x@GMAIL.com', consent_ad_user_data: true };
    const gone = { email: 'leaver@example.com', consent_ad_user_data: false, gpc: true };
    await deliver(googleCustomerMatch, [{ email: 'leaver@example.com', consent_ad_user_data: true }], { config, clock, fetch: net });
    const results = await deliver(googleCustomerMatch, [person, gone], { config, clock, fetch: net }, { ops: ['add', 'remove'] });
    expect(results.map((r) => r.status)).toEqual(['delivered', 'delivered']);
    const [, add, remove] = dm.requests.map((r) => JSON.parse(r.rawBody) as Record<string, unknown>);
    expect(dm.requests.slice(1).map((r) => r.path)).toEqual(['/v1/audienceMembers:ingest', '/v1/audienceMembers:remove']);
    expect(add).toMatchObject({ termsOfService: { customerMatchTermsOfServiceStatus: 'ACCEPTED' }, encoding: 'HEX', audienceMembers: [{ userData: { userIdentifiers: [{ emailAddress: sha256Hex('coreytest@gmail.com') }] }, consent: { adUserData: 'CONSENT_GRANTED' } }] });
    expect(remove).not.toHaveProperty('termsOfService');
    expect(remove).toMatchObject({ audienceMembers: [{ userData: { userIdentifiers: [{ emailAddress: sha256Hex('leaver@example.com') }] } }] });
    expect((remove!['audienceMembers'] as Record<string, unknown>[])[0]).not.toHaveProperty('consent');
    expect([...dm.members()]).toEqual([`email:${sha256Hex('coreytest@gmail.com')}`]);
  });

  it('Meta: schema-aligned rows, POST to add and DELETE to remove; invalid entries Meta names are refused, unnamed ones isolated', async () => {
    meta.reset();
    const config = metaCustomAudience.configSchema.parse({ endpoint: meta.url, accessToken: 'test-token', audienceId: '238' });
    await deliver(metaCustomAudience, [{ email: 'A@x.com', phone: '+1 650 555 1212', external_id: 'u-1', consent_ad_user_data: true }], { config, clock, fetch: net });
    const sent = JSON.parse(meta.requests[0]!.rawBody) as { payload: { schema: string[]; data: string[][] } };
    expect(sent.payload.schema).toEqual(['EMAIL', 'PHONE', 'FN', 'LN', 'ZIP', 'COUNTRY', 'EXTERN_ID']);
    expect(sent.payload.data).toEqual([[sha256Hex('a@x.com'), 'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176', '', '', '', '', 'u-1']]);
    await deliver(metaCustomAudience, [{ email: 'A@x.com' }], { config, clock, fetch: net }, { ops: ['remove'] });
    expect(meta.requests[1]!.method).toBe('DELETE');
    expect(meta.members!().size).toBe(0);
    meta.script({ status: 200, body: { audience_id: '238', num_received: 3, num_invalid_entries: 1, invalid_entry_samples: {} } });
    const unnamed = await deliver(metaCustomAudience, [1, 2, 3].map((i) => ({ email: `m${i}@x.com`, consent_ad_user_data: true })), { config, clock, fetch: net });
    expect(unnamed.every((r) => r.status === 'rejected' && r.isolate === true)).toBe(true);
  });
});
