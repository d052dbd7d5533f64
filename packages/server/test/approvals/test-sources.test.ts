/**
 * Test traffic kept from real customers: events of a source marked test (`testSources`) never
 * reach a production destination — not through a sync's built-in model or SQL, not through
 * real-time forwarding — while a test destination gets them, and only an audited override
 * (`allowTestSources`) lets them through. Real DuckDB, the HubSpot and Meta stand-ins.
 */
import { startHubspotStandIn, startMetaCapiStandIn, type HubspotStandIn, type StandIn } from '@touchline/destinations/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/config.js';
import { startTouchline, type Touchline } from '../../src/server.js';

const SAFARI = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';
const PEOPLE = `SELECT user_id || '@example.com' AS email, count(*) AS n, min(source_id) AS source_id FROM events WHERE type = 'identify' GROUP BY user_id`;

async function until(cond: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

let dir: string;
let t: Touchline;
let crm: HubspotStandIn;
let sandbox: HubspotStandIn;
let meta: StandIn;
let stagingKey = '';

const start = (extra: Record<string, unknown>) =>
  startTouchline(resolveConfig({ dataDir: dir, port: 0, host: '127.0.0.1', admin: { port: 0 }, ...extra }, {}, {}), { listen: false, log: () => undefined });
const hs = (url: string) => ({ type: 'hubspot', config: { endpoint: url, accessToken: 'test-token', properties: { n: 'feature_x_uses' } } });
const sync = (destination: string, sql: string, extra: Record<string, unknown> = {}) => ({ destination, source: { sql }, primaryKey: 'email', mode: 'upsert', ...extra });
const send = (writeKey: string, events: unknown[]) =>
  t.app.inject({
    method: 'POST', url: '/v1/batch', payload: { batch: events },
    headers: { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`, 'content-type': 'application/json', 'user-agent': SAFARI },
  });
const buyer = (id: string) => [
  { type: 'identify', messageId: `id-${id}`, userId: id, traits: { email: `${id}@example.com` }, context: { consent: { ad_user_data: true } } },
  { type: 'track', messageId: `order-${id}`, userId: id, event: 'Order Completed', properties: { total: 10, currency: 'EUR' }, context: { page: { url: 'https://shop.example/checkout' }, consent: { ad_user_data: true } } },
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'touchline-test-sources-'));
  [crm, sandbox, meta] = await Promise.all([startHubspotStandIn(), startHubspotStandIn(), startMetaCapiStandIn({ pixelId: '123456789' })]);
  // The staging site's source exists first (its id is what the config marks as test).
  const first = await start({});
  const staging = await first.sources.create('staging-site');
  stagingKey = staging.writeKey;
  await first.close();
  t = await start({
    testSources: [staging.id],
    destinations: {
      crm: hs(crm.url),
      sandbox: { ...hs(sandbox.url), environment: 'test' },
      meta: { type: 'meta-capi', config: { endpoint: meta.url, accessToken: 'test-token', pixelId: '123456789' } },
    },
    syncs: {
      'crm-people': sync('crm', PEOPLE),
      'crm-unsourced': sync('crm', `SELECT user_id || '@example.com' AS email, count(*) AS n FROM events WHERE type = 'identify' GROUP BY user_id`),
      'sandbox-people': sync('sandbox', PEOPLE),
      'crm-everyone': sync('crm', PEOPLE, { allowTestSources: true }),
      'crm-conversions': { destination: 'crm', source: { model: 'conversions', events: ['Order Completed'] }, primaryKey: 'conversion_id', mode: 'upsert', mapping: { email: 'email', n: 'conversion_value' } },
    },
    // The rule's own approval is tested in forwarding-rule-approval.test.ts; here, which sources reach it.
    policy: { approvals: { forwardingRules: false } },
    forwarding: { rules: { 'orders-to-meta': { events: ['Order Completed'], destination: 'meta', mapping: { event_name: { static: 'Purchase' }, value: 'properties.total' } } }, retry: { baseDelayMs: 20, maxDelayMs: 200 } },
  });
  expect((await send(t.writeKey, buyer('real-1'))).statusCode).toBe(200);
  expect((await send(stagingKey, buyer('test-1'))).statusCode).toBe(200);
  await t.loader.flush();
});
afterAll(async () => {
  await t?.close();
  await Promise.all([crm?.close(), sandbox?.close(), meta?.close()]);
  await rm(dir, { recursive: true, force: true });
});

describe('a test source and a production destination', () => {
  it('leaves the test source\'s rows out of a SQL sync to production, and gives them to a test destination', async () => {
    expect(await t.activation.syncs.run('crm-people')).toMatchObject({ status: 'succeeded', plannedAdd: 1, delivered: 1 });
    expect([...crm.contacts.keys()]).toEqual(['email:real-1@example.com']);
    expect(await t.activation.syncs.run('sandbox-people')).toMatchObject({ status: 'succeeded', plannedAdd: 2 });
    expect([...sandbox.contacts.keys()].sort()).toEqual(['email:real-1@example.com', 'email:test-1@example.com']);
  });

  it('fails a SQL sync to production that cannot say where its rows came from, naming the fix', async () => {
    const run = await t.activation.syncs.run('crm-unsourced');
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/syncs\.crm-unsourced\.source: destination crm is production .*no source_id column.*set syncs\.crm-unsourced\.allowTestSources/);
    expect([...crm.contacts.keys()]).toEqual(['email:real-1@example.com']);
  });

  it('leaves them out of the built-in conversions model', async () => {
    expect(await t.activation.syncs.run('crm-conversions')).toMatchObject({ status: 'succeeded', plannedAdd: 1 });
    expect(crm.contacts.has('email:test-1@example.com')).toBe(false);
  });

  it('never forwards their events in real time to production', async () => {
    await until(() => meta.accepted.length >= 1);
    await until(() => (t.activation.forwardingStatus() as { rules: { pending: number }[] }).rules[0]!.pending === 0);
    expect(meta.accepted.map((a) => (a.item as { event_id: string }).event_id)).toEqual(['order-real-1']);
  });

  it('lets an admin\'s allowTestSources override through, and the start recorded it in the audit log', async () => {
    expect(await t.activation.syncs.run('crm-everyone')).toMatchObject({ status: 'succeeded' });
    expect(crm.contacts.has('email:test-1@example.com')).toBe(true);
    const [record] = t.people.audit.query({ action: 'environments.config-changed' });
    // The first start (before the staging source existed) saw nothing marked; this one is on the record with before and after.
    expect(record).toMatchObject({ actor: { type: 'system' }, before: { testSources: [], allowTestSources: [] }, after: { allowTestSources: ['syncs.crm-everyone'], destinations: { crm: 'production', sandbox: 'test', meta: 'production' } } });
  });
});
