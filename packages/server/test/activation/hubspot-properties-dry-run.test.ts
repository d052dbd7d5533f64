/** HubSpot custom properties: the dry run previews their creation; the first run creates them, then upserts. */
import { startHubspotStandIn, type HubspotStandIn } from '@touchline/destinations/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activationConfig, duckWarehouse, FAST_RETRY, testEngine, type TestWarehouse } from './support.js';

describe('HubSpot custom properties through the engine', () => {
  let w: TestWarehouse;
  let hs: HubspotStandIn;
  beforeAll(async () => {
    w = await duckWarehouse();
    hs = await startHubspotStandIn();
  });
  afterAll(async () => {
    await hs.close();
    await w.dispose();
  });

  it('dry run shows the property creations and the upserts; the run makes them', async () => {
    const config = activationConfig({
      destinations: {
        hs: {
          type: 'hubspot',
          config: { endpoint: hs.url, accessToken: 'test-token', properties: { seats: 'touchline_seats' }, createProperties: { touchline_seats: { label: 'Seats', type: 'number' } } },
        },
      },
      syncs: { seats: { destination: 'hs', source: { sql: `SELECT 'u' || i || '@example.com' AS email, i AS seats FROM range(3) r(i)` }, primaryKey: 'email', mode: 'upsert', retry: FAST_RETRY } },
    });
    const e = testEngine(config, w.warehouse);
    const dry = await e.dryRun('seats', { limit: 5 });
    expect(dry.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual(['POST /crm/v3/properties/contacts', 'POST /crm/v3/objects/contacts/batch/upsert']);
    expect(dry.requests[0]!.body).toEqual({ name: 'touchline_seats', label: 'Seats', type: 'number', fieldType: 'number', groupName: 'contactinformation' });
    expect(hs.requests).toHaveLength(0);
    expect(await e.run('seats')).toMatchObject({ status: 'succeeded', delivered: 3 });
    expect(hs.contacts.get('email:u2@example.com')).toMatchObject({ touchline_seats: '2' });
    await e.close();
  });
});
