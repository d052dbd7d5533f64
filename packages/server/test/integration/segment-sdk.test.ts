import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({}, { listen: true });
});
afterAll(async () => {
  await h.dispose();
});

describe('the real @segment/analytics-node client, pointed at the collector', () => {
  it('lands track, page, identify, group and alias in the warehouse with the right columns', async () => {
    const analytics = new Analytics({ writeKey: h.writeKey, host: h.url, flushAt: 3, flushInterval: 200, maxRetries: 2 });
    const errors: unknown[] = [];
    analytics.on('error', (e) => errors.push(e));
    analytics.identify({ anonymousId: 'anon-sdk', userId: 'user-sdk', traits: { email: 'jo@shop.test', plan: 'pro' } });
    analytics.track({
      userId: 'user-sdk',
      event: 'Order Completed',
      properties: { order_id: 'o-1', revenue: 99.5, currency: 'EUR' },
      context: { page: { url: 'https://www.shop.test/thanks?utm_source=newsletter&utm_medium=email&utm_campaign=nov', referrer: 'https://mail.example.com/' }, ip: '198.51.100.23' },
    });
    analytics.page({ anonymousId: 'anon-sdk', name: 'Pricing', category: 'Docs', properties: { url: 'https://www.shop.test/pricing?gclid=Cj0KCQ_sdk', referrer: 'https://www.google.com/' } });
    analytics.group({ userId: 'user-sdk', groupId: 'acme', traits: { employees: 50 } });
    analytics.alias({ userId: 'user-sdk', previousId: 'legacy-7' });
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(errors).toEqual([]);

    const rows = await h.sql(`
      select type, event, name, category, anonymous_id, user_id, group_id, previous_id, library_name,
             utm_source, utm_medium, utm_campaign, gclid, referrer_domain, ip, sent_at is not null as has_sent_at
      from events order by type`);
    expect(rows).toEqual([
      { type: 'alias', event: null, name: null, category: null, anonymous_id: null, user_id: 'user-sdk', group_id: null, previous_id: 'legacy-7', library_name: '@segment/analytics-node', utm_source: null, utm_medium: null, utm_campaign: null, gclid: null, referrer_domain: null, ip: '127.0.0.1', has_sent_at: true },
      { type: 'group', event: null, name: null, category: null, anonymous_id: null, user_id: 'user-sdk', group_id: 'acme', previous_id: null, library_name: '@segment/analytics-node', utm_source: null, utm_medium: null, utm_campaign: null, gclid: null, referrer_domain: null, ip: '127.0.0.1', has_sent_at: true },
      { type: 'identify', event: null, name: null, category: null, anonymous_id: 'anon-sdk', user_id: 'user-sdk', group_id: null, previous_id: null, library_name: '@segment/analytics-node', utm_source: null, utm_medium: null, utm_campaign: null, gclid: null, referrer_domain: null, ip: '127.0.0.1', has_sent_at: true },
      { type: 'page', event: null, name: 'Pricing', category: 'Docs', anonymous_id: 'anon-sdk', user_id: null, group_id: null, previous_id: null, library_name: '@segment/analytics-node', utm_source: null, utm_medium: null, utm_campaign: null, gclid: 'Cj0KCQ_sdk', referrer_domain: 'google.com', ip: '127.0.0.1', has_sent_at: true },
      { type: 'track', event: 'Order Completed', name: null, category: null, anonymous_id: null, user_id: 'user-sdk', group_id: null, previous_id: null, library_name: '@segment/analytics-node', utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'nov', gclid: null, referrer_domain: 'mail.example.com', ip: '198.51.100.23', has_sent_at: true },
    ]);
    const [props] = await h.sql(`select properties->>'order_id' as order_id, (properties->>'revenue')::double as revenue from events where type = 'track'`);
    expect(props).toEqual({ order_id: 'o-1', revenue: 99.5 });
    const [traits] = await h.sql(`select traits->>'email' as email from events where type = 'identify'`);
    expect(traits).toEqual({ email: 'jo@shop.test' });
    expect(await h.sql(`select kind, anonymous_id, user_id, previous_id from identities order by kind`)).toEqual([
      { kind: 'alias', anonymous_id: null, user_id: 'user-sdk', previous_id: 'legacy-7' },
      { kind: 'identify', anonymous_id: 'anon-sdk', user_id: 'user-sdk', previous_id: null },
    ]);
  });

  it('page views sent from a server (no visitor agent) are not bots: they carry first / last touch and make sessions, touches and persons', async () => {
    const analytics = new Analytics({ writeKey: h.writeKey, host: h.url, flushAt: 4, flushInterval: 200, maxRetries: 2 });
    const errors: unknown[] = [];
    analytics.on('error', (e) => errors.push(e));
    const day = (d: number) => new Date(Date.UTC(2026, 5, d, 9)).toISOString();
    const landing = 'https://www.shop.test/pricing?utm_source=linkedin&utm_medium=paid_social&utm_campaign=june&li_fat_id=LI-srv';
    // a site that renders on its server tracks its page views there, forwarding URL and referrer
    analytics.page({ anonymousId: 'srv-visitor', name: 'Pricing', timestamp: new Date(day(1)), properties: { url: landing, referrer: 'https://www.linkedin.com/' } });
    analytics.page({ anonymousId: 'srv-visitor', name: 'Home', timestamp: new Date(day(3)), properties: { url: 'https://www.shop.test/', referrer: '' } });
    analytics.identify({ anonymousId: 'srv-visitor', userId: 'srv-user', timestamp: new Date(day(3)) });
    analytics.track({ anonymousId: 'srv-visitor', userId: 'srv-user', event: 'Order Completed', timestamp: new Date(day(3)), properties: { value: 120 } });
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(errors).toEqual([]);

    // (times are as stored: the SDK's sentAt moves them by the few milliseconds the request took)
    const at = async (name: string) => String((await h.sql(`select "timestamp" as t from events where anonymous_id = 'srv-visitor' and name = '${name}'`))[0]!['t']);
    const [pricing, home] = [await at('Pricing'), await at('Home')];
    expect(Date.parse(pricing) - Date.parse(day(1))).toBeLessThan(5000);
    const rows = await h.sql(`select type, user_agent, is_bot, first_utm_campaign, first_click_id, last_click_id_type, last_touch_at from events where anonymous_id = 'srv-visitor' order by type, "timestamp"`);
    const stamp = { first_utm_campaign: 'june', first_click_id: 'LI-srv', last_click_id_type: 'li_fat_id', last_touch_at: pricing };
    expect(rows).toEqual([
      { type: 'identify', user_agent: 'analytics-node-next/latest', is_bot: false, ...stamp },
      { type: 'page', user_agent: 'analytics-node-next/latest', is_bot: false, ...stamp },
      { type: 'page', user_agent: 'analytics-node-next/latest', is_bot: false, ...stamp },
      { type: 'track', user_agent: 'analytics-node-next/latest', is_bot: false, ...stamp },
    ]);
    await h.derived.ensure();
    expect(await h.sql(`select started_at, kind, channel, campaign from sessions where device_id = 'srv-visitor' order by started_at`)).toEqual([
      { started_at: pricing, kind: 'campaign', channel: 'Paid Social', campaign: 'june' },
      { started_at: home, kind: 'direct', channel: 'Direct', campaign: '(direct)' },
    ]);
    expect(await h.sql(`select p.first_touch_click_id_type as click, p.last_non_direct_touch_campaign as campaign, c.value as value from persons p join conversions c on c.person_id = p.person_id where list_contains(p.user_ids, 'srv-user')`)).toEqual([
      { click: 'li_fat_id', campaign: 'june', value: 120 },
    ]);
  });
});
