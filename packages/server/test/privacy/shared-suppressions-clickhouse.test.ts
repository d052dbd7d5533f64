/**
 * Two collectors on one ClickHouse share their suppression lists (src/privacy/shared-suppressions.ts):
 * a person deleted through collector A is dropped when their events reach collector B, once each
 * has polled (on the injected clock); lifting the suppression on A lets B store them again. The
 * published table holds keyed hashes only, and the analyst SQL path cannot read it. And, on the
 * same server (one ClickHouse per file keeps CI short), the ClickHouse touch store keeps
 * landing URLs and referrers redacted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryRefusedError } from '../../src/warehouse/warehouse.js';
import { clickhouseSkipReason, startClickHouseServer, type ClickHouseTestServer } from '../support/clickhouse-server.js';
import { startHarness, type Harness } from '../support/harness.js';
import { TOUCH_CASES, trackLanding } from '../support/landing.js';
import { manualClock } from '../support/manual-clock.js';

const TOKEN = 'shared-suppressions-admin-token-0123';
const KEY = 'deployment-wide-suppression-key-0123456789';
const POLL = 5_000;

describe.skipIf(clickhouseSkipReason() !== null)(`suppressions shared across collectors ${clickhouseSkipReason() ?? ''}`, () => {
  let server: ClickHouseTestServer;
  let a: Harness;
  let b: Harness;
  const clock = manualClock(Date.now());
  const start = (url: string) =>
    startHarness(
      { adminToken: TOKEN, writeKey: 'wk-shared-0123456789', warehouse: { engine: 'clickhouse', clickhouse: { url, database: 'shared_suppressions' } }, privacy: { suppressionKey: KEY, suppressionPollMs: POLL } },
      { clock },
    );
  /** One poll interval: both collectors publish and read (twice, so each sees what the other wrote). */
  const poll = async () => {
    for (let i = 0; i < 2; i++) {
      clock.advance(POLL);
      await Promise.all([a.sharedSuppressions.idle(), b.sharedSuppressions.idle()]);
    }
  };
  /** One batch to B: the person's event beside a bystander's (a batch with nothing accepted is a 400). */
  const sendToB = async (messageId: string, userId: string) => {
    const batch = [userId, 'u-kept'].map((u) => ({ type: 'track', event: 'Viewed', userId: u, messageId: `${messageId}-${u}` }));
    const res = await b.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: b.auth }, payload: { batch } });
    expect(res.statusCode, res.body).toBe(200);
  };
  const storedOf = async (userId: string) => (await b.sql(`SELECT message_id FROM events WHERE user_id = '${userId}' ORDER BY message_id`)).map((r) => r['message_id']);
  const adminA = (method: 'POST' | 'DELETE', url: string, payload?: object) =>
    a.adminApp.inject({ method, url, headers: { authorization: `Bearer ${TOKEN}` }, ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    server = await startClickHouseServer();
    a = await start(server.url);
    b = await start(server.url);
  });
  afterAll(async () => {
    await b?.dispose();
    await a?.dispose();
    await server?.dispose();
  });

  it('a person deleted through A is dropped by B; lifted on A, B stores them again', async () => {
    await sendToB('before-1', 'u-gone');
    expect(await storedOf('u-gone')).toEqual(['before-1-u-gone']);

    const del = await adminA('POST', '/admin/privacy/delete', { kind: 'user_id', value: 'u-gone', waitMs: 10_000 });
    expect(del.statusCode).toBe(200);
    const requestId = (del.json() as { id: string }).id;
    expect(b.suppressions.size).toBe(0);
    await poll();
    expect(b.suppressions.size).toBeGreaterThan(0);
    // B's own list is untouched: the shared hashes are held in memory only.
    expect(b.suppressions.list()).toEqual([]);

    const dropped = b.suppressions.dropped.ingest;
    await sendToB('after-1', 'u-gone');
    expect(b.suppressions.dropped.ingest - dropped).toBe(1);
    expect(await storedOf('u-gone')).toEqual([]);
    expect(await storedOf('u-kept')).toEqual(['after-1-u-kept', 'before-1-u-kept']);

    expect((await adminA('DELETE', `/admin/privacy/suppressions/${requestId}`)).statusCode).toBe(200);
    await poll();
    expect(b.suppressions.size).toBe(0);
    await sendToB('lifted-1', 'u-gone');
    expect(await storedOf('u-gone')).toEqual(['lifted-1-u-gone']);
  });

  it('the published table holds keyed hashes, never the identifier', async () => {
    const r = await a.warehouse.query(`SELECT hash, removed FROM privacy_suppressions`, { readOnly: false });
    expect(r.rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(r.rows)).not.toContain('u-gone');
    for (const [hash] of r.rows) expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('the analyst SQL path cannot read it, by name, by pattern or by index', async () => {
    for (const sql of [
      'SELECT * FROM privacy_suppressions',
      'SELECT hash FROM shared_suppressions.`PRIVACY_SUPPRESSIONS`',
      `SELECT * FROM merge(currentDatabase(), '^privacy_sup')`,
      `SELECT * FROM mergeTreeIndex(currentDatabase(), 'privacy_suppressions')`,
      'WITH s AS (SELECT * FROM "privacy_suppressions") SELECT count() FROM s',
    ]) {
      await expect(a.warehouse.query(sql), sql).rejects.toBeInstanceOf(QueryRefusedError);
    }
    const res = await adminA('POST', '/admin/sql', { sql: 'SELECT hash FROM privacy_suppressions' });
    expect(res.statusCode).toBe(400);
    expect(res.body).not.toMatch(/[0-9a-f]{64}/);
  });

  it('the ClickHouse touch store keeps redacted landing URLs and referrers, seen from the other collector too', async () => {
    const { visitorId } = await trackLanding(a, a.writeKey);
    for (const c of [a, b]) {
      // The other collector reads it once A's store has flushed its facts: the flush timer runs on
      // the injected clock, so the test moves it (a second at a time) while it waits for the insert.
      const deadline = Date.now() + 10_000;
      while ((await c.touchStore.get(visitorId)) === undefined && Date.now() < deadline) {
        clock.advance(1000);
        await new Promise((r) => setTimeout(r, 50));
      }
      const stored = await c.touchStore.get(visitorId);
      expect(stored?.first).toMatchObject({ url: TOUCH_CASES.storedUrl, referrer: TOUCH_CASES.storedReferrer, utm_source: 'newsletter' });
      expect(JSON.stringify(stored)).not.toMatch(/ada|9f8e7d6c5b4a/);
    }
    // What the analyst sees of it (the visitor_touches view) is the redacted text too.
    const rows = await a.sql(`SELECT first, session FROM visitor_touches`);
    expect(rows.length).toBe(1);
    expect(JSON.stringify(rows)).toContain('token=[redacted]');
    expect(JSON.stringify(rows)).not.toMatch(/ada|9f8e7d6c5b4a/);
  });
});
