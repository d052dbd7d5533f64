/**
 * HubSpot custom properties created on first use, against the stand-in's properties API: the
 * exact create contract (malformed ones refused), 409 for a name in use counted as "exists",
 * once per config, and a refusal stopping the batch instead of failing every row on a missing
 * property.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deliver, hubspot, systemClock, type FetchLike, type HubspotConfig } from '@touchline/destinations';
import { startHubspotStandIn, type HubspotStandIn } from '@touchline/destinations/testing';

const net = globalThis.fetch as unknown as FetchLike;

describe('HubSpot custom properties', () => {
  let hs: HubspotStandIn;
  const configOf = (over: Record<string, unknown> = {}): HubspotConfig =>
    hubspot.configSchema.parse({
      endpoint: hs.url, accessToken: 'test-token',
      properties: { seats: 'touchline_seats', trial: 'touchline_trial' },
      createProperties: { touchline_seats: { label: 'Seats (Touchline)', type: 'number' }, touchline_trial: { label: 'On trial', type: 'bool' } },
      ...over,
    });
  const post = (body: unknown) => fetch(`${hs.url}/crm/v3/properties/contacts`, { method: 'POST', headers: { authorization: 'Bearer test-token', 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    hs = await startHubspotStandIn();
  });
  afterAll(() => hs.close());
  beforeEach(() => hs.reset());

  it('the stand-in takes exactly the documented create body and refuses malformed ones', async () => {
    const ok = { name: 'fresh_prop', label: 'Fresh', type: 'number', fieldType: 'number', groupName: 'contactinformation' };
    for (const bad of [
      { ...ok, name: 'Fresh-Prop' },
      { ...ok, label: '' },
      { ...ok, type: 'integer' },
      { ...ok, fieldType: 'text' },
      { ...ok, groupName: undefined },
      { ...ok, name: 'flag', type: 'bool', fieldType: 'booleancheckbox' },
    ]) {
      const res = await post(bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(((await res.json()) as { category: string }).category).toBe('VALIDATION_ERROR');
    }
    expect((await post(ok)).status).toBe(201);
    expect((await post(ok)).status).toBe(409);
    expect((await post({ ...ok, name: 'email', type: 'string', fieldType: 'text' })).status).toBe(409);
  });

  it('creates the properties before the first upsert, once per config; booleans go as true/false', async () => {
    const config = configOf();
    const ctx = { config, clock: systemClock, fetch: net };
    // Before: the upsert alone is refused for a property that does not exist.
    const without = await deliver(hubspot, [{ email: 'a@example.com', seats: 3 }], { ...ctx, config: configOf({ createProperties: {} }) });
    expect(without[0]).toMatchObject({ status: 'rejected' });
    hs.reset();

    const first = await deliver(hubspot, [{ email: 'a@example.com', seats: 3, trial: true }], ctx);
    expect(first[0]).toMatchObject({ status: 'delivered' });
    const creates = hs.requests.filter((r) => r.path === '/crm/v3/properties/contacts');
    expect(creates.map((r) => [r.status, (r.body as { name: string; fieldType: string }).name, (r.body as { fieldType: string }).fieldType])).toEqual([
      [201, 'touchline_seats', 'number'],
      [201, 'touchline_trial', 'booleancheckbox'],
    ]);
    expect(hs.contacts.get('email:a@example.com')).toMatchObject({ touchline_seats: '3', touchline_trial: 'true' });
    await deliver(hubspot, [{ email: 'b@example.com', seats: 1, trial: false }], ctx);
    expect(hs.requests.filter((r) => r.path === '/crm/v3/properties/contacts')).toHaveLength(2);

    // Another process (a new config object) finds them there: 409, and the upsert goes on.
    const again = await deliver(hubspot, [{ email: 'c@example.com', seats: 2 }], { ...ctx, config: configOf() });
    expect(again[0]).toMatchObject({ status: 'delivered' });
    expect(hs.requests.filter((r) => r.path === '/crm/v3/properties/contacts').slice(2).map((r) => r.status)).toEqual([409, 409]);
  });

  it('a refused creation stops the batch with the vendor\'s answer; no upsert is sent', async () => {
    hs.script({ status: 403, body: { status: 'error', message: 'This app has not been granted all required scopes', category: 'MISSING_SCOPES' } });
    const results = await deliver(hubspot, [{ email: 'd@example.com', seats: 2 }], { config: configOf(), clock: systemClock, fetch: net });
    expect(results[0]!.status).not.toBe('delivered');
    expect(results[0]!.answer).toMatchObject({ httpStatus: 403 });
    expect(hs.requests.some((r) => r.path.endsWith('/batch/upsert'))).toBe(false);
  });
});
