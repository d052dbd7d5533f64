import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.dispose(); });

describe('smoke', () => {
  it('accepts a track and loads it', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: h.auth, 'content-type': 'application/json' },
      payload: { anonymousId: 'a1', event: 'Signed Up', messageId: 'm1', properties: { plan: 'pro' }, context: { page: { url: 'https://www.shop.test/?utm_source=google&utm_medium=cpc&gclid=AbC-123_x', referrer: 'https://www.google.com/' } } } });
    expect(res.statusCode, res.body).toBe(200);
    const rows = await h.sql(`select message_id, event, utm_source, gclid, click_id_type, referrer_domain, properties->>'plan' as plan from events`);
    expect(rows).toEqual([{ message_id: 'm1', event: 'Signed Up', utm_source: 'google', gclid: 'AbC-123_x', click_id_type: 'gclid', referrer_domain: 'google.com', plan: 'pro' }]);
  });
});
