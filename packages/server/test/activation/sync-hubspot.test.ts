import { startHubspotStandIn, type HubspotStandIn } from '@touchline/destinations/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { activationConfig, duckWarehouse, FAST_RETRY, testEngine, type TestWarehouse } from './support.js';

describe('sync engine: warehouse rows to HubSpot contacts', () => {
  let w: TestWarehouse;
  let hubspot: HubspotStandIn;
  beforeEach(async () => {
    w = await duckWarehouse();
    hubspot = await startHubspotStandIn();
    await w.exec(`CREATE TABLE product_usage AS SELECT 'user' || i || '@example.com' AS email, i % 7 AS uses, 'pro' AS plan FROM range(250) r(i)`);
  });
  afterEach(async () => {
    await hubspot.close();
    await w.dispose();
  });

  const config = (over: Record<string, unknown> = {}) =>
    activationConfig({
      destinations: { hs: { type: 'hubspot', config: { endpoint: hubspot.url, accessToken: 'test-token', properties: { feature_x_uses: 'feature_x_uses', plan: 'plan_tier' } } } },
      syncs: {
        usage: {
          destination: 'hs',
          source: { sql: 'SELECT email, uses, plan FROM product_usage' },
          primaryKey: 'email',
          mapping: { email: 'email', feature_x_uses: 'uses', plan: 'plan' },
          mode: 'upsert',
          retry: FAST_RETRY,
          ...over,
        },
      },
    });

  it('sends every row once, then only the rows that changed', async () => {
    const engine = testEngine(config(), w.warehouse);
    const first = await engine.run('usage');
    expect(first).toMatchObject({ status: 'succeeded', plannedAdd: 250, delivered: 250, rejected: 0, failed: 0 });
    expect(hubspot.requests.filter((r) => r.status === 200 || r.status === 207)).toHaveLength(3);
    expect(hubspot.contacts.get('email:user3@example.com')).toMatchObject({ feature_x_uses: '3', plan_tier: 'pro' });

    await w.exec(`UPDATE product_usage SET uses = uses + 100 WHERE email IN ('user1@example.com', 'user2@example.com')`);
    const before = hubspot.requests.length;
    const second = await engine.run('usage');
    expect(second).toMatchObject({ status: 'succeeded', plannedAdd: 0, plannedChange: 2, delivered: 2 });
    const sent = hubspot.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect((sent[0]!.body as { inputs: unknown[] }).inputs).toHaveLength(2);
    expect(hubspot.contacts.get('email:user1@example.com')).toMatchObject({ feature_x_uses: '101' });

    const third = await engine.run('usage');
    expect(third).toMatchObject({ status: 'succeeded', plannedAdd: 0, plannedChange: 0, delivered: 0 });
    await engine.close();
  });
});
