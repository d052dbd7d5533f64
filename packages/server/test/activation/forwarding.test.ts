import { buildFbc, sha256Hex } from '@touchline/destinations';
import { startMetaCapiStandIn, type StandIn } from '@touchline/destinations/testing';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

const SAFARI = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';

async function until(cond: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('real-time forwarding: Order Completed to Meta as it arrives', () => {
  let meta: StandIn;
  let t: Harness;
  beforeEach(async () => {
    meta = await startMetaCapiStandIn({ pixelId: '123456789' });
    t = await startHarness({
      // Delivery is under test here; approval of the rule: test/approvals/forwarding-rule-approval.test.ts.
      policy: { approvals: { forwardingRules: false } },
      destinations: { meta: { type: 'meta-capi', config: { endpoint: meta.url, accessToken: 'test-token', pixelId: '123456789' } } },
      forwarding: {
        rules: {
          'orders-to-meta': {
            events: ['Order Completed'],
            destination: 'meta',
            mapping: { event_name: { static: 'Purchase' }, value: 'properties.total' },
          },
        },
        retry: { baseDelayMs: 20, maxDelayMs: 200 },
      },
    });
  });
  afterEach(async () => {
    await t.dispose();
    await meta.close();
  });

  const send = (events: unknown[], headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: t.auth, 'content-type': 'application/json', 'user-agent': SAFARI, ...headers },
      payload: { batch: events },
    });

  it('forwards a matching event with the person\'s click and consent from earlier visits, once', async () => {
    const clickAt = Date.now() - 3 * 3600_000;
    await send([
      { type: 'page', messageId: 'landing', anonymousId: 'anon-1', timestamp: new Date(clickAt).toISOString(), context: { page: { url: 'https://shop.example/?fbclid=IwAR-abc_DEF' }, consent: { ad_user_data: true } } },
      { type: 'identify', messageId: 'signup', anonymousId: 'anon-1', userId: 'user-1', traits: { email: ' Buyer@Example.com ' } },
    ]);
    await t.loader.flush();
    meta.fail({ rate: 0.5, statuses: [500, 503], seed: 3 });
    const res = await send([
      { type: 'track', messageId: 'order-1', userId: 'user-1', event: 'Order Completed', properties: { total: 99.5, currency: 'eur', order_id: 'A-1' }, context: { page: { url: 'https://shop.example/checkout' } } },
      { type: 'track', messageId: 'browse-1', userId: 'user-1', event: 'Product Viewed' },
    ]);
    expect(res.statusCode).toBe(200);
    await t.loader.flush();
    await until(() => meta.accepted.length >= 1);
    const e = meta.accepted[0]!.item as Record<string, unknown>;
    expect(e).toMatchObject({
      event_name: 'Purchase',
      event_id: 'order-1',
      action_source: 'website',
      event_source_url: 'https://shop.example/checkout',
      custom_data: { value: 99.5, currency: 'EUR', order_id: 'A-1' },
      user_data: { em: [sha256Hex('buyer@example.com')], fbc: buildFbc('IwAR-abc_DEF', clickAt) },
    });
    expect(meta.count('Purchase:order-1')).toBe(1);
    await until(async () => (await t.sql(`SELECT count(*) AS n FROM sync_row_results WHERE sync_name = 'forward:orders-to-meta' AND status = 'delivered'`))[0]!['n'] === 1);
    // Acknowledged, so gone from the outbox: only the cursor remains.
    await until(() => (t.activation.forwardingStatus() as { rules: { pending: number }[] }).rules[0]!.pending === 0);
    expect(meta.accepted).toHaveLength(1);
  });

  it('holds back an event of a person without ad consent, and records why', async () => {
    await send([{ type: 'track', messageId: 'order-2', anonymousId: 'anon-2', event: 'Order Completed', properties: { total: 10, currency: 'USD' }, context: { consent: { ad_user_data: false } } }]);
    await t.loader.flush();
    await until(async () => (await t.sql(`SELECT count(*) AS n FROM sync_row_results WHERE sync_name = 'forward:orders-to-meta'`))[0]!['n'] === 1);
    const [r] = await t.sql(`SELECT pk, status, code FROM sync_row_results WHERE sync_name = 'forward:orders-to-meta'`);
    expect(r).toEqual({ pk: expect.stringMatching(/:order-2$/), status: 'rejected', code: 'CONSENT_DENIED' });
    expect(meta.requests).toHaveLength(0);
    const outbox = join(t.dataDir, 'outbox', 'orders-to-meta');
    expect((await readdir(outbox)).filter((f) => f.endsWith('.ndjson')).length).toBeLessThanOrEqual(1);
  });

  it('refused credentials stop the rule visibly, nothing is parked as refused, and it restarts until they work', async () => {
    type Status = { rules: { pending: number; delivered: number; rejected: number; restarts: number; error: { reason: string; at: string } | null }[] };
    const status = () => (t.activation.forwardingStatus() as Status).rules[0]!;
    // Meta refuses the token three times (as while a user replaces it), then accepts.
    meta.script({ status: 401 }, { status: 401 }, { status: 401 });
    await send([{ type: 'track', messageId: 'order-3', anonymousId: 'anon-3', event: 'Order Completed', properties: { total: 5, currency: 'USD' }, context: { page: { url: 'https://shop.example/checkout' }, consent: { ad_user_data: true } } }]);
    await t.loader.flush();
    await until(() => status().error !== null);
    expect(status().error!.reason).toMatch(/check the destination's credentials and endpoint/);
    expect(status()).toMatchObject({ pending: 1, rejected: 0, delivered: 0 });
    await until(() => status().delivered === 1);
    expect(status()).toMatchObject({ pending: 0, rejected: 0, delivered: 1, restarts: 3, error: null });
    expect(meta.count('Purchase:order-3')).toBe(1);
    const rows = await t.sql(`SELECT status, http_status, count(*) AS n FROM sync_row_results WHERE sync_name = 'forward:orders-to-meta' GROUP BY 1, 2 ORDER BY 1`);
    expect(rows).toEqual([{ status: 'delivered', http_status: 200, n: 1 }, { status: 'failed', http_status: 401, n: 3 }]);
  });
});
