import { describe, expect, it } from 'vitest';
import { forwardRow } from '../../src/activation/forwarding/forward-row.js';

const event = {
  message_id: 'm-1', type: 'track', event: 'Order Completed', timestamp: '2026-11-20T10:00:00.000Z', user_id: 'u-1',
  properties: JSON.stringify({ total: '49.90', currency: 'eur', order_id: 'A-9', coupon: 'X' }),
  traits: null, context: JSON.stringify({ page: { url: 'https://shop.example/done' } }), consent: null, gpc: false,
  url: 'https://shop.example/done', user_agent: 'UA', ip: '203.0.113.1',
};

describe('forwarded rows', () => {
  it('takes the standard columns from the event, and what the event lacks from the person', () => {
    const row = forwardRow(event, {
      email: 'p@example.com', consent: '{"ad_user_data":true,"ad_personalization":false}', gpc: 0,
      googleClick: 'gbraid:GB-1', googleClickAt: '2026-11-01T00:00:00.000Z', metaClick: 'IwAR', metaClickAt: '2026-11-02T00:00:00.000Z',
    }, {});
    expect(row).toMatchObject({
      event_id: 'm-1', event_name: 'Order Completed', event_time: '2026-11-20T10:00:00.000Z', transaction_id: 'A-9',
      value: 49.9, currency: 'EUR', email: 'p@example.com', gclid: null, gbraid: 'GB-1', click_time: '2026-11-01T00:00:00.000Z',
      fbclid: 'IwAR', fbclid_at: '2026-11-02T00:00:00.000Z', consent_ad_user_data: 'granted', consent_ad_personalization: 'denied',
      gpc: false, external_id: 'u-1', event_source_url: 'https://shop.example/done',
    });
  });

  it('lets the event\'s own consent and GPC win, and applies the rule\'s mapping on top', () => {
    const row = forwardRow({ ...event, consent: '{"ad_user_data":false}', gpc: true }, { consent: '{"ad_user_data":true}' }, {
      event_name: { static: 'Purchase' }, coupon_code: 'properties.coupon', page: 'context.page.url', mail: 'email',
    });
    expect(row).toMatchObject({ consent_ad_user_data: 'denied', gpc: true, event_name: 'Purchase', coupon_code: 'X', page: 'https://shop.example/done', mail: null });
  });
});
