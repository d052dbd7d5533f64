/**
 * One deletion suite, run on both engines (deletion-duckdb.test.ts, deletion-clickhouse.test.ts):
 * a person is removed through the admin API by their email, resolved through identity (an alias
 * chain, two devices, an email in an identify call), and then re-sends everything through the
 * HTTP API — with the same message ids and with new ones — and nothing of theirs is stored, in
 * the touch store, or synced to a stand-in HubSpot. A second person who shared a tablet with them
 * keeps their own events; a bystander keeps everything.
 */
import { startHubspotStandIn, type HubspotStandIn } from '@touchline/destinations/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/config.js';
import { startHarness, type Harness } from '../support/harness.js';

const TOKEN = 'privacy-deletion-admin-token-0123456';
const HOUR = 3_600_000;

/** Ada: two devices, an old user id aliased to her new one, her email in an identify call. */
function adaEvents(t0: number, suffix: string): Record<string, unknown>[] {
  const at = (h: number) => new Date(t0 + h * HOUR).toISOString();
  const id = (n: string) => `${n}${suffix}`;
  return [
    { type: 'page', messageId: id('ada-1'), anonymousId: 'anon-ada-phone', timestamp: at(0), context: { page: { url: 'https://shop.example/?utm_source=news&utm_medium=email' } } },
    { type: 'identify', messageId: id('ada-2'), anonymousId: 'anon-ada-phone', userId: 'u-ada-old', timestamp: at(1), traits: { email: 'Ada@Example.com' } },
    { type: 'alias', messageId: id('ada-3'), previousId: 'u-ada-old', userId: 'u-ada', timestamp: at(2) },
    { type: 'page', messageId: id('ada-4'), anonymousId: 'anon-ada-laptop', timestamp: at(3), context: { page: { url: 'https://shop.example/pricing' } } },
    { type: 'identify', messageId: id('ada-5'), anonymousId: 'anon-ada-laptop', userId: 'u-ada', timestamp: at(4), traits: { email: 'ada@example.com', plan: 'pro' } },
    // The family tablet: Ada identifies on it first, Bob later.
    { type: 'page', messageId: id('ada-6'), anonymousId: 'anon-tablet', timestamp: at(5), context: { page: { url: 'https://shop.example/ada-browsing' } } },
    { type: 'identify', messageId: id('ada-7'), anonymousId: 'anon-tablet', userId: 'u-ada', timestamp: at(6) },
    { type: 'track', messageId: id('ada-8'), userId: 'u-ada', event: 'Order Completed', properties: { revenue: 99 }, timestamp: at(7) },
    // Refused (no event name): quarantined in failed_events with her id in the raw text.
    { type: 'track', messageId: id('ada-9'), userId: 'u-ada', timestamp: at(8) },
  ];
}

function othersEvents(t0: number): Record<string, unknown>[] {
  const at = (h: number) => new Date(t0 + h * HOUR).toISOString();
  return [
    { type: 'identify', messageId: 'bob-1', anonymousId: 'anon-tablet', userId: 'u-bob', timestamp: at(9), traits: { email: 'bob@example.com' } },
    { type: 'track', messageId: 'bob-2', anonymousId: 'anon-tablet', userId: 'u-bob', event: 'Signed Up', timestamp: at(10) },
    { type: 'page', messageId: 'bob-3', anonymousId: 'anon-bob', timestamp: at(11), context: { page: { url: 'https://shop.example/' } } },
    { type: 'identify', messageId: 'bob-4', anonymousId: 'anon-bob', userId: 'u-bob', timestamp: at(12) },
    { type: 'track', messageId: 'cy-1', userId: 'u-cy', event: 'Signed Up', timestamp: at(13) },
    { type: 'track', messageId: 'cy-2', userId: 'u-cy', timestamp: at(14) },
  ];
}

/**
 * The sync's source: every user id in events, and Ada's CRM record as a literal (a table that
 * still names her by email): after the delete, the delivery must skip it by the suppression list alone.
 */
const SOURCE = `SELECT user_id, email FROM (
  SELECT DISTINCT coalesce(user_id, '') AS user_id, concat(coalesce(user_id, ''), '@users.example') AS email FROM events WHERE coalesce(user_id, '') <> ''
  UNION ALL SELECT 'crm-0001' AS user_id, 'ada@example.com' AS email
) AS s`;

export interface DeletionEngine {
  /** The warehouse section of the config (a fresh database). */
  warehouse(): Promise<ConfigInput['warehouse']>;
  dispose(): Promise<void>;
}

export function deletionSuite(engine: DeletionEngine): void {
  let h: Harness;
  let hubspot: HubspotStandIn;
  const t0 = Date.now() - 48 * HOUR;
  const admin = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
    h.adminApp.inject({ method, url, headers: { authorization: `Bearer ${TOKEN}` }, ...(payload ? { payload } : {}) });
  const send = async (batch: Record<string, unknown>[]) => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: h.auth }, payload: { batch } });
    expect(res.statusCode, res.body).toBe(200);
  };
  const count = async (sql: string) => Number(Object.values((await h.sql(sql))[0] ?? {})[0]);
  const ADA_IDS = `('u-ada', 'u-ada-old', 'anon-ada-phone', 'anon-ada-laptop')`;
  const adaEventsStored = () => count(`SELECT count(*) FROM events WHERE user_id IN ${ADA_IDS} OR anonymous_id IN ${ADA_IDS} OR (message_id LIKE 'ada-%' AND anonymous_id <> 'anon-tablet')`);

  beforeAll(async () => {
    hubspot = await startHubspotStandIn();
    h = await startHarness({
      adminToken: TOKEN,
      warehouse: await engine.warehouse(),
      destinations: { hs: { type: 'hubspot', config: { endpoint: hubspot.url, accessToken: 'test-token' } } },
      syncs: { people: { destination: 'hs', source: { sql: SOURCE }, primaryKey: 'user_id', mapping: { email: 'email' }, mode: 'upsert' } },
    } as ConfigInput);
    await send([...adaEvents(t0, ''), ...othersEvents(t0)]);
    await h.loader.flush();
    const run = await h.activation.syncs.run('people');
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
  }, 180_000);
  afterAll(async () => {
    await h?.dispose();
    await hubspot?.close();
    await engine.dispose();
  });

  it('a dry run shows what is held, by table, and removes nothing', async () => {
    expect(await adaEventsStored()).toBe(7);
    const res = await admin('POST', '/admin/privacy/delete', { kind: 'email', value: 'ada@EXAMPLE.com', dryRun: true });
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    expect(r).toMatchObject({ id: null, status: 'dry_run', identifiers: { shared: 1 } });
    expect(r.removed.events).toBe(8);
    expect(r.removed.failed_events).toBe(1);
    expect(r.removed.sync_state).toBeGreaterThanOrEqual(1);
    expect(await adaEventsStored()).toBe(7);
    expect(await h.touchStore.get('anon-ada-phone')).toMatchObject({ first: { utm_source: 'news', utm_medium: 'email' } });
  });

  it('removes the person from every table, the touch store and sync state; others keep theirs', async () => {
    const res = await admin('POST', '/admin/privacy/delete', { kind: 'email', value: 'ada@EXAMPLE.com', waitMs: 120_000 });
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    expect(r).toMatchObject({ status: 'done', pending: [] });
    expect(r.removed).toMatchObject({ events: 8, failed_events: 1 });
    expect(r.removed.touch_store).toBeGreaterThanOrEqual(2);
    expect(await adaEventsStored()).toBe(0);
    // The tablet's page view before anyone identified went with Ada (the views gave it to her).
    expect(await count(`SELECT count(*) FROM events WHERE anonymous_id = 'anon-tablet' AND coalesce(user_id, '') = ''`)).toBe(0);
    expect(await count(`SELECT count(*) FROM failed_events WHERE message_id LIKE 'ada-%'`)).toBe(0);
    expect(await count(`SELECT count(*) FROM identities WHERE user_id IN ${ADA_IDS} OR anonymous_id IN ${ADA_IDS} OR previous_id IN ${ADA_IDS}`)).toBe(0);
    expect(await count(`SELECT count(*) FROM sync_state WHERE pk IN ${ADA_IDS} OR pk = 'crm-0001'`)).toBe(0);
    expect(await count(`SELECT count(*) FROM persons WHERE person_id IN (SELECT person_id FROM persons WHERE ${h.warehouse.engine === 'duckdb' ? `list_contains(user_ids, 'u-ada')` : `has(user_ids, 'u-ada')`})`)).toBe(0);
    // Bob identified on the tablet after Ada: his events there stay, and so does Cy's.
    expect(await count(`SELECT count(*) FROM events WHERE user_id = 'u-bob'`)).toBe(3);
    expect(await count(`SELECT count(*) FROM events WHERE user_id = 'u-cy'`)).toBe(1);
    expect(await count(`SELECT count(*) FROM failed_events WHERE message_id = 'cy-2'`)).toBe(1);
    for (const v of ['anon-ada-phone', 'anon-ada-laptop', 'u-ada']) expect(await h.touchStore.get(v), v).toBeUndefined();
    // A direct visit: no marketing touch, the session's opening page only.
    expect(await h.touchStore.get('anon-bob')).toMatchObject({ session: { url: 'https://shop.example/' } });
  });

  it('events re-sent for the person — same and new message ids — are dropped at ingest and nothing is synced', async () => {
    const before = h.suppressions.dropped.ingest;
    await send([...adaEvents(t0, ''), ...adaEvents(t0 + HOUR, '-again'), { type: 'track', messageId: 'bob-5', userId: 'u-bob', event: 'Came Back' }]);
    // 2 × 9 sent, minus the tablet's two anonymous-only page views (the tablet is Bob's now).
    expect(h.suppressions.dropped.ingest - before).toBe(16);
    expect(await adaEventsStored()).toBe(0);
    // The tablet's new anonymous page view is stored: the tablet is Bob's now, and not suppressed
    // (its first one is a duplicate of a message id this collector has seen).
    expect(await count(`SELECT count(*) FROM events WHERE anonymous_id = 'anon-tablet' AND coalesce(user_id, '') = ''`)).toBe(1);
    expect(await count(`SELECT count(*) FROM failed_events WHERE message_id LIKE 'ada-%'`)).toBe(0);
    expect(await count(`SELECT count(*) FROM events WHERE message_id = 'bob-5'`)).toBe(1);
    for (const v of ['anon-ada-phone', 'anon-ada-laptop']) expect(await h.touchStore.get(v), v).toBeUndefined();
    const sentBefore = hubspot.requests.length;
    const run = await h.activation.syncs.run('people', { full: true });
    expect(['succeeded'], JSON.stringify(run)).toContain(run.status);
    const sent = JSON.stringify(hubspot.requests.slice(sentBefore));
    expect(sent).not.toContain('ada@example.com');
    expect(sent).not.toContain('u-ada');
    expect(h.suppressions.dropped.sync).toBeGreaterThanOrEqual(1);
    const status = (await admin('GET', '/admin/status')).json();
    expect(status.privacy).toMatchObject({ suppressedRequests: 1, droppedAtIngest: h.suppressions.dropped.ingest });
    expect(status.privacy.droppedAtIngest).toBeGreaterThanOrEqual(16);
  });

  it("answers a batch of only the deleted person's events as accepted, as if stored: the sender learns nothing", async () => {
    const before = h.suppressions.dropped.ingest;
    const batch = adaEvents(t0 + 2 * HOUR, '-third').filter((e) => e['anonymousId'] !== 'anon-tablet');
    const res = await h.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: h.auth }, payload: { batch } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ success: true, accepted: batch.length, duplicates: 0, rejected: [] });
    expect(h.suppressions.dropped.ingest - before).toBe(batch.length);
    const one = await h.app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: h.auth }, payload: { userId: 'u-ada', event: 'Came Back', messageId: 'ada-single' } });
    expect(one.statusCode, one.body).toBe(200);
    expect(await adaEventsStored()).toBe(0);
  });

  it('the audit log holds the keyed hash of the identifier, never the identifier', async () => {
    const records = h.people.audit.query({ action: 'privacy.delete' });
    expect(records.length).toBe(2);
    const text = JSON.stringify(records);
    expect(text).not.toMatch(/ada@example\.com|u-ada|anon-ada/i);
    expect(text).toContain(h.privacy.list()[0]!.subjectHash);
  });

  it('status shows the request done; suppressions list hashes and can be lifted', async () => {
    const [req] = h.privacy.list();
    const status = (await admin('GET', `/admin/privacy/requests/${req!.id}`)).json();
    expect(status).toMatchObject({ id: req!.id, status: 'done', pending: [] });
    const list = (await admin('GET', '/admin/privacy/suppressions')).json().suppressions;
    expect(list).toEqual([expect.objectContaining({ requestId: req!.id })]);
    expect(JSON.stringify(list)).not.toMatch(/ada@|u-ada|anon-ada|example/i);
    expect((await admin('DELETE', `/admin/privacy/suppressions/nope`)).statusCode).toBe(404);
    expect((await admin('DELETE', `/admin/privacy/suppressions/${req!.id}`)).statusCode).toBe(200);
    await send([adaEvents(t0, '-lifted')[7]!]);
    expect(await adaEventsStored()).toBe(1);
  });
}
