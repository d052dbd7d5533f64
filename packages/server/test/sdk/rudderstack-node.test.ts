/**
 * RudderStack's Node SDK (`@rudderstack/rudder-sdk-node` 3.x), unchanged, pointed at the collector
 * as its data plane. By default it gzips its batch and, through axios, labels it
 * `application/x-www-form-urlencoded`; with `gzip: false` it sends plain `application/json`.
 * Both must land every call with its columns. (Segment's Node SDK: test/integration/segment-sdk.test.ts.)
 */
import Analytics from '@rudderstack/rudder-sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({}, { listen: true });
});
afterAll(async () => {
  await h.dispose();
});

describe('the real @rudderstack/rudder-sdk-node client, pointed at the collector', () => {
  for (const gzip of [true, false]) {
    it(`lands track, page, screen, identify, group and alias (gzip: ${gzip})`, async () => {
      const errors: unknown[] = [];
      const client = new Analytics(h.writeKey, { dataPlaneUrl: h.url, gzip, flushAt: 20, flushInterval: 60_000, retryCount: 0, errorHandler: (e: unknown) => errors.push(e) });
      const u = `rs-node-${gzip ? 'gz' : 'plain'}`;
      const a = `${u}-anon`;
      client.identify({ userId: u, anonymousId: a, traits: { email: `${u}@shop.test`, plan: 'pro' } });
      client.track({
        userId: u,
        anonymousId: a,
        event: 'Order Completed',
        properties: { order_id: `o-${u}`, revenue: 99.5, currency: 'EUR' },
        context: { page: { url: 'https://www.shop.test/thanks?utm_source=newsletter&utm_medium=email&utm_campaign=nov', referrer: 'https://mail.example.com/' }, ip: '198.51.100.23' },
      });
      client.page({ anonymousId: a, name: 'Pricing', category: 'Docs', properties: { url: 'https://www.shop.test/pricing?gclid=Cj0KCQ_rs_node', referrer: 'https://www.google.com/' } });
      client.screen({ anonymousId: a, name: 'Home' });
      client.group({ userId: u, anonymousId: a, groupId: 'acme', traits: { employees: 50 } });
      client.alias({ userId: u, previousId: a });
      await client.flush();
      expect(errors).toEqual([]);

      const rows = await h.sql(`
        select type, event, name, category, anonymous_id, user_id, group_id, previous_id, library_name,
               utm_source, utm_campaign, gclid, referrer_domain, ip, traits, properties->>'order_id' as order_id
        from events where user_id = '${u}' or anonymous_id = '${a}' order by type`);
      expect(rows).toEqual([
        { type: 'alias', event: null, name: null, category: null, anonymous_id: null, user_id: u, group_id: null, previous_id: a, library_name: 'analytics-node', utm_source: null, utm_campaign: null, gclid: null, referrer_domain: null, ip: '127.0.0.1', traits: null, order_id: null },
        { type: 'group', event: null, name: null, category: null, anonymous_id: a, user_id: u, group_id: 'acme', previous_id: null, library_name: 'analytics-node', utm_source: null, utm_campaign: null, gclid: null, referrer_domain: null, ip: '127.0.0.1', traits: '{"employees":50}', order_id: null },
        { type: 'identify', event: null, name: null, category: null, anonymous_id: a, user_id: u, group_id: null, previous_id: null, library_name: 'analytics-node', utm_source: null, utm_campaign: null, gclid: null, referrer_domain: null, ip: '127.0.0.1', traits: JSON.stringify({ email: `${u}@shop.test`, plan: 'pro' }), order_id: null },
        { type: 'page', event: null, name: 'Pricing', category: 'Docs', anonymous_id: a, user_id: null, group_id: null, previous_id: null, library_name: 'analytics-node', utm_source: null, utm_campaign: null, gclid: 'Cj0KCQ_rs_node', referrer_domain: 'google.com', ip: '127.0.0.1', traits: null, order_id: null },
        { type: 'screen', event: null, name: 'Home', category: null, anonymous_id: a, user_id: null, group_id: null, previous_id: null, library_name: 'analytics-node', utm_source: null, utm_campaign: null, gclid: null, referrer_domain: null, ip: '127.0.0.1', traits: null, order_id: null },
        { type: 'track', event: 'Order Completed', name: null, category: null, anonymous_id: a, user_id: u, group_id: null, previous_id: null, library_name: 'analytics-node', utm_source: 'newsletter', utm_campaign: 'nov', gclid: null, referrer_domain: 'mail.example.com', ip: '198.51.100.23', traits: null, order_id: `o-${u}` },
      ]);
    });
  }
});
