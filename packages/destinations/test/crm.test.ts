import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deliver, hubspot, salesforce, type HubspotConfig, type SalesforceConfig } from '@touchline/destinations';
import { startHubspotStandIn, startSalesforceStandIn, type HubspotStandIn, type SalesforceStandIn } from '@touchline/destinations/testing';

const clock = { now: () => Date.UTC(2026, 10, 25, 12) };
const net = (u: string, i: RequestInit & { method: string; headers: Record<string, string> }) => fetch(u, i);

describe('Salesforce', () => {
  let sf: SalesforceStandIn;
  let config: SalesforceConfig;
  const ctx = () => ({ config, clock, fetch: net });
  beforeAll(async () => {
    sf = await startSalesforceStandIn({ clock });
    config = salesforce.configSchema.parse({
      endpoint: sf.url, accessToken: 'test-token', sobject: 'Contact', externalIdField: 'Touchline_Id__c', externalIdColumn: 'person_id',
      fields: { last_name: 'LastName', email: 'Email', uses: 'Feature_X_Uses__c', trial: 'Is_Trial__c' },
    });
  });
  afterAll(() => sf.close());
  beforeEach(() => sf.reset());

  it('upserts product usage on the contact: created once, then updated, nulls clear', async () => {
    const [first] = await deliver(salesforce, [{ person_id: 'P1', last_name: 'Hopper', uses: 3, trial: true }], ctx());
    expect(first).toMatchObject({ status: 'delivered', answer: { body: { created: true } } });
    const [second] = await deliver(salesforce, [{ person_id: 'P1', uses: 9, trial: null }], ctx());
    expect(second).toMatchObject({ status: 'delivered', answer: { body: { created: false } } });
    expect(sf.records.get('Contact:P1')).toMatchObject({ LastName: 'Hopper', Feature_X_Uses__c: 9, Is_Trial__c: null });
    expect(sf.count('Contact:P1')).toBe(1);
  });

  it('maps per-record failures back to rows in request order, naming the row column', async () => {
    const results = await deliver(salesforce, [
      { person_id: 'A', last_name: 'Ok' },
      { person_id: 'B' },
      { person_id: 'C', last_name: 'Bad', email: 'not-an-email' },
    ], ctx());
    expect(results.map((r) => r.status)).toEqual(['delivered', 'rejected', 'rejected']);
    expect(results[1]).toMatchObject({ code: 'REQUIRED_FIELD_MISSING', field: 'last_name' });
    expect(results[2]).toMatchObject({ code: 'INVALID_EMAIL_ADDRESS', field: 'email' });
  });

  it('UNABLE_TO_LOCK_ROW is retryable; REQUEST_LIMIT_EXCEEDED is rate-limited; an unknown field fails the request', async () => {
    sf.script({ partial: [0], code: 'UNABLE_TO_LOCK_ROW' });
    expect((await deliver(salesforce, [{ person_id: 'L', last_name: 'x' }], ctx()))[0]).toMatchObject({ status: 'retryable', code: 'UNABLE_TO_LOCK_ROW' });
    sf.setRateLimit({ requests: 0, windowMs: 1 });
    expect((await deliver(salesforce, [{ person_id: 'L', last_name: 'x' }], ctx()))[0]).toMatchObject({ status: 'rate_limited', code: 'REQUEST_LIMIT_EXCEEDED' });
    sf.setRateLimit(null);
    const wrong = { ...config, fields: { last_name: 'LastName', x: 'Nope__c' } };
    const [r] = await deliver(salesforce, [{ person_id: 'L', last_name: 'x', x: 1 }], { ...ctx(), config: wrong });
    expect(r).toMatchObject({ status: 'rejected', code: 'INVALID_FIELD' });
  });

  it('trims string values before they reach a field', async () => {
    await deliver(salesforce, [{ person_id: ' P2 ', last_name: '  Hopper \t', email: ' grace@example.com ' }], ctx());
    expect(sf.records.get('Contact:P2')).toMatchObject({ LastName: 'Hopper', Email: 'grace@example.com' });
  });

  it('the same external id twice goes in separate requests, in order', async () => {
    const results = await deliver(salesforce, [{ person_id: 'D', last_name: 'one' }, { person_id: 'D', last_name: 'two' }], ctx());
    expect(results.map((r) => r.status)).toEqual(['delivered', 'delivered']);
    expect(sf.requests).toHaveLength(2);
    expect(sf.records.get('Contact:D')).toMatchObject({ LastName: 'two' });
  });
});

describe('HubSpot', () => {
  let hs: HubspotStandIn;
  let config: HubspotConfig;
  const ctx = () => ({ config, clock, fetch: net });
  beforeAll(async () => {
    hs = await startHubspotStandIn({ clock, seed: 3 });
    config = hubspot.configSchema.parse({ endpoint: hs.url, accessToken: 'test-token', properties: { plan: 'plan_tier', ltv: 'ltv_score' } });
  });
  afterAll(() => hs.close());
  beforeEach(() => hs.reset());

  it('maps a 207 whose results and errors come back out of order to the right rows', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => ({ email: `u${i}@example.com`, plan: i % 3 === 0 ? 'platinum' : 'pro', ltv: i }));
    const results = await deliver(hubspot, rows, ctx());
    const order = (JSON.parse(hs.requests[0]!.rawBody) as { inputs: { id: string }[] }).inputs.map((x) => x.id);
    expect(order).toEqual(rows.map((r) => r.email));
    results.forEach((r, i) => {
      expect(r.ref).toBe(i);
      expect(r.status).toBe(i % 3 === 0 ? 'rejected' : 'delivered');
      if (i % 3 === 0) expect(r.reason).toContain(`email=u${i}@example.com`);
      else expect((r.answer?.body as { objectWriteTraceId?: string }).objectWriteTraceId).toBe(`u${i}@example.com`);
    });
    expect(hs.requests[0]!.status).toBe(207);
  });

  it('matches by id when the answer carries no objectWriteTraceId', async () => {
    hs.script({
      status: 207,
      body: { status: 'COMPLETE', results: [{ id: '7', properties: { email: 'B@example.com' } }], numErrors: 1, errors: [{ status: 'error', category: 'VALIDATION_ERROR', message: 'bad', context: { ids: ['a@example.com'] } }] },
    });
    const results = await deliver(hubspot, [{ email: 'a@example.com' }, { email: 'b@example.com' }, { email: 'c@example.com' }], ctx());
    expect(results.map((r) => r.status)).toEqual(['rejected', 'delivered', 'retryable']);
    expect(results[2]!.code).toBe('NO_RESULT');
  });

  it('the ten-secondly limit waits the window; emails are case-insensitive ids', async () => {
    hs.setRateLimit({ requests: 1, windowMs: 10_000 });
    expect((await deliver(hubspot, [{ email: 'Ada@Example.com' }], ctx()))[0]!.status).toBe('delivered');
    expect((await deliver(hubspot, [{ email: 'ada@example.com' }], ctx()))[0]).toMatchObject({ status: 'rate_limited', retryAfterMs: 10_000, code: 'TEN_SECONDLY_ROLLING' });
    hs.setRateLimit(null);
    await deliver(hubspot, [{ email: 'ADA@example.com' }], ctx());
    expect(hs.count('ada@example.com')).toBe(1);
    expect(hs.contacts.size).toBe(1);
  });

  it('trims property values and sends an e-mail property lowercased', async () => {
    const withEmail = { ...config, idProperty: 'touchline_id', idColumn: 'id', properties: { plan: 'plan_tier', mail: 'email' } };
    const [r] = await deliver(hubspot, [{ id: 'T-1', plan: '  pro ', mail: ' Ada@Example.COM ' }], { ...ctx(), config: withEmail });
    expect(r!.status).toBe('delivered');
    expect(hs.contacts.get('touchline_id:T-1')).toMatchObject({ plan_tier: 'pro', email: 'ada@example.com' });
  });

  it('serves the date-versioned path with the same contract; unknown properties fail the batch', async () => {
    const dated = { ...config, apiVersion: '2026-03' as const };
    expect((await deliver(hubspot, [{ email: 'x@example.com' }], { ...ctx(), config: dated }))[0]!.status).toBe('delivered');
    expect(hs.requests[0]!.path).toBe('/crm/objects/2026-03/contacts/batch/upsert');
    const unknown = { ...config, properties: { foo: 'no_such_property' } };
    expect((await deliver(hubspot, [{ email: 'y@example.com', foo: 'bar' }], { ...ctx(), config: unknown }))[0]!.status).toBe('rejected');
  });
});
