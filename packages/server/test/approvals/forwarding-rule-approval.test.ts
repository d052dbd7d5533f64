/**
 * A forwarding rule to a production destination forwards nothing until a second person approves
 * its config (src/approvals/forwarding-rules.ts): its events wait in the outbox meanwhile and go
 * out once approved; the same config needs no new approval after a restart; a changed config asks
 * again, and a rejected one stays off with its events kept. A rule to a test destination needs
 * no approval. Real DuckDB, the Meta stand-in.
 */
import { startMetaCapiStandIn, type StandIn } from '@touchline/destinations/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/config.js';
import { startTouchline, type Touchline } from '../../src/server.js';

const TOKEN = 'forwarding-rule-approval-admin-token-01';
const SAFARI = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';

async function until(cond: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface RuleStatus { name: string; pending: number; approval: string }
interface Summary { id: string; kind: string; sync: string; status: string; requester: { label: string } }

let dir: string;
let t: Touchline;
let meta: StandIn;
let sandbox: StandIn;

const start = (mapping: Record<string, unknown>) =>
  startTouchline(
    resolveConfig({
      dataDir: dir, port: 0, host: '127.0.0.1', admin: { port: 0 }, adminToken: TOKEN,
      destinations: {
        meta: { type: 'meta-capi', config: { endpoint: meta.url, accessToken: 'test-token', pixelId: '123456789' } },
        sandbox: { type: 'meta-capi', environment: 'test', config: { endpoint: sandbox.url, accessToken: 'test-token', pixelId: '123456789' } },
      },
      forwarding: {
        rules: {
          'orders-to-meta': { events: ['Order Completed'], destination: 'meta', mapping, enrich: false },
          'orders-to-sandbox': { events: ['Order Completed'], destination: 'sandbox', mapping: { event_name: { static: 'Purchase' } }, enrich: false },
        },
        retry: { baseDelayMs: 20, maxDelayMs: 200 },
      },
    }, {}, {}),
    { listen: false, log: () => undefined },
  );
const admin = (method: 'GET' | 'POST', url: string, payload?: object) =>
  t.adminApp.inject({ method, url, headers: { authorization: `Bearer ${TOKEN}` }, ...(payload ? { payload } : {}) });
const order = async (id: string) => {
  const res = await t.app.inject({
    method: 'POST', url: '/v1/batch', headers: { authorization: `Basic ${Buffer.from(`${t.writeKey}:`).toString('base64')}`, 'user-agent': SAFARI },
    payload: { batch: [{ type: 'track', messageId: id, userId: 'u-1', event: 'Order Completed', properties: { value: 10, currency: 'EUR', email: 'buyer@example.com' }, context: { page: { url: 'https://shop.example/checkout' }, consent: { ad_user_data: true } } }] },
  });
  expect(res.statusCode).toBe(200);
  await t.loader.flush();
};
const rule = (name: string) => (t.activation.forwardingStatus() as { rules: RuleStatus[] }).rules.find((r) => r.name === name)!;
const pending = async () => (await admin('GET', '/admin/approvals?status=pending')).json() as { approvals: Summary[] };
const sentTo = (s: StandIn) => s.accepted.map((a) => (a.item as { event_id: string }).event_id);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'touchline-rule-approval-'));
  [meta, sandbox] = await Promise.all([startMetaCapiStandIn({ pixelId: '123456789' }), startMetaCapiStandIn({ pixelId: '123456789' })]);
  t = await start({ event_name: { static: 'Purchase' } });
});
afterAll(async () => {
  await t?.close();
  await Promise.all([meta?.close(), sandbox?.close()]);
  await rm(dir, { recursive: true, force: true });
});

describe('approval of forwarding rules', () => {
  it('holds a new production rule\'s events until approved, then sends them; a test destination needs none', async () => {
    await order('order-1');
    await until(() => sentTo(sandbox).includes('order-1'));
    expect(rule('orders-to-sandbox').approval).toBe('not_required');
    expect(rule('orders-to-meta')).toMatchObject({ approval: 'awaiting_approval', pending: 1 });
    expect(sentTo(meta)).toEqual([]);

    const { approvals } = await pending();
    expect(approvals).toHaveLength(1);
    expect(approvals[0]).toMatchObject({ kind: 'forwarding-rule', sync: 'forward:orders-to-meta', requester: { label: expect.stringMatching(/^config file/) } });
    const shown = (await admin('GET', `/admin/approvals/${approvals[0]!.id}`)).json() as { approval: { report: { rule: { destination: string } } } };
    expect(shown.approval.report.rule.destination).toBe('meta');

    const approved = await admin('POST', `/admin/approvals/${approvals[0]!.id}/approve`);
    expect(approved.statusCode).toBe(202);
    expect(approved.json()).toMatchObject({ runId: null, approval: { status: 'used' } });
    await until(() => sentTo(meta).includes('order-1'));
    await until(() => rule('orders-to-meta').pending === 0);
    expect(sentTo(meta)).toEqual(['order-1']);
  });

  it('needs no new approval after a restart with the same config', async () => {
    await t.close();
    t = await start({ event_name: { static: 'Purchase' } });
    expect((await pending()).approvals).toEqual([]);
    await order('order-2');
    await until(() => sentTo(meta).includes('order-2'));
  });

  it('asks again when the rule changes; rejected, the rule stays off and keeps its events', async () => {
    await t.close();
    t = await start({ event_name: { static: 'Purchase' }, content_name: 'properties.currency' });
    const { approvals } = await pending();
    expect(approvals.map((a) => a.sync)).toEqual(['forward:orders-to-meta']);
    expect((await admin('POST', `/admin/approvals/${approvals[0]!.id}/reject`, { reason: 'value must not be sent' })).statusCode).toBe(200);
    await order('order-3');
    await until(() => sentTo(sandbox).includes('order-3'));
    expect(rule('orders-to-meta')).toMatchObject({ approval: 'rejected', pending: 1 });
    expect(sentTo(meta)).toEqual(['order-1', 'order-2']);
    // The rejected config is not asked for again at the next start.
    await t.close();
    t = await start({ event_name: { static: 'Purchase' }, content_name: 'properties.currency' });
    expect((await pending()).approvals).toEqual([]);
    expect(rule('orders-to-meta')).toMatchObject({ approval: 'rejected', pending: 1 });
  });
});
