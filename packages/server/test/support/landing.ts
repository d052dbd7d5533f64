import { expect } from 'vitest';
import type { Harness } from './harness.js';

/** The corpus's URL cases a landing page carries, and what the touch store must keep of them. */
export const TOUCH_CASES = {
  url: 'https://www.shop.test/account/reset?utm_source=newsletter&token=9f8e7d6c5b4a&email=ada%40example.com',
  referrer: 'https://mail.example/users/ada%40example.com/inbox?subscriber=ada@example.com',
  storedUrl: 'https://www.shop.test/account/reset?utm_source=newsletter&token=[redacted]&email=[redacted]',
  storedReferrer: 'https://mail.example/users/[email]/inbox?subscriber=[email]',
} as const;

/**
 * A landing page through the tracker endpoint (`/_t/b`), as the browser script sends it: the
 * visitor id of its cookie and the endpoint's answer. `claimed` is what the tracker's cache sends
 * as the visitor's touches (`context.touches`).
 */
export async function trackLanding(t: Harness, writeKey: string, claimed?: object): Promise<{ visitorId: string; answer: { touches?: { first?: Record<string, unknown>; last?: Record<string, unknown> } } }> {
  const res = await t.app.inject({
    method: 'POST', url: '/_t/b',
    headers: { 'content-type': 'text/plain;charset=UTF-8', host: 'www.shop.test', 'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15' },
    payload: JSON.stringify({
      writeKey, sentAt: new Date().toISOString(),
      batch: [{ type: 'page', messageId: `landing-${Math.random()}`, anonymousId: 'browser-made-id', properties: { url: TOUCH_CASES.url }, context: { page: { url: TOUCH_CASES.url, referrer: TOUCH_CASES.referrer }, consent: { analytics_storage: true }, ...(claimed ? { touches: claimed } : {}) } }],
    }),
  });
  expect(res.statusCode, res.body).toBe(200);
  const visitorId = /tl_vid=([^;]*)/.exec(String(res.headers['set-cookie'] ?? ''))?.[1];
  expect(visitorId).toBeTruthy();
  return { visitorId: visitorId!, answer: res.json() };
}
