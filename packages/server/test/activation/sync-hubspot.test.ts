import { startHubspotStandIn, type HubspotStandIn } from '@touchline/destinations/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { activationConfig, duckWarehouse, FAST_RETRY, testEngine, type TestWarehouse } from './support.js';

describe('sync engine: warehouse rows to HubSpot contacts', () => {
  let w: TestWarehouse;
  let hubspot: HubspotStandIn;
  beforeEach(async () => {
    w = await duckWarehouse();
    hubspot = await startHubspotStandIn();
    await w.exec(`CREATE TABLE product_usage AS SELECT 'user' || i || '@example.com' AS email, i % 7 AS uses, 'pro' AS plan FROM range(250) r(i)`);
  });
  afterEach(async () => {
    await hubspot.close();
    await w.dispose();
  });

  const config = (over: Record<string, unknown> = {}, account: Record<string, unknown> = {}) =>
    activationConfig({
      destinations: {
        hs: { type: 'hubspot', config: { endpoint: hubspot.url, accessToken: 'test-token', properties: { feature_x_uses: 'feature_x_uses', plan: 'plan_tier' } }, ...account },
      },
      syncs: {
        usage: {
          destination: 'hs',
          source: { sql: 'SELECT email, uses, plan FROM product_usage' },
          primaryKey: 'email',
          mapping: { email: 'email', feature_x_uses: 'uses', plan: 'plan' },
          mode: 'upsert',
          retry: FAST_RETRY,
          ...over,
        },
      },
    });

  it('sends every row once, then only the rows that changed', async () => {
    const engine = testEngine(config(), w.warehouse);
    const first = await engine.run('usage');
    expect(first).toMatchObject({ status: 'succeeded', plannedAdd: 250, delivered: 250, rejected: 0, failed: 0 });
    expect(hubspot.requests.filter((r) => r.status === 200 || r.status === 207)).toHaveLength(3);
    expect(hubspot.contacts.get('email:user3@example.com')).toMatchObject({ feature_x_uses: '3', plan_tier: 'pro' });

    await w.exec(`UPDATE product_usage SET uses = uses + 100 WHERE email IN ('user1@example.com', 'user2@example.com')`);
    const before = hubspot.requests.length;
    const second = await engine.run('usage');
    expect(second).toMatchObject({ status: 'succeeded', plannedAdd: 0, plannedChange: 2, delivered: 2 });
    const sent = hubspot.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect((sent[0]!.body as { inputs: unknown[] }).inputs).toHaveLength(2);
    expect(hubspot.contacts.get('email:user1@example.com')).toMatchObject({ feature_x_uses: '101' });

    const third = await engine.run('usage');
    expect(third).toMatchObject({ status: 'succeeded', plannedAdd: 0, plannedChange: 0, delivered: 0 });
    await engine.close();
  });

  it('maps a 207 answer back to its rows although HubSpot answers out of order, and records each', async () => {
    await w.exec(`UPDATE product_usage SET plan = 'platinum' WHERE email IN ('user10@example.com', 'user42@example.com', 'user77@example.com')`);
    const engine = testEngine(config(), w.warehouse);
    const run = await engine.run('usage');
    expect(run).toMatchObject({ status: 'succeeded', delivered: 247, rejected: 3 });
    expect(hubspot.requests.some((r) => r.status === 207)).toBe(true);
    const refused = await w.rows(
      `SELECT pk, status, code, vendor_code, request, answer, http_status FROM sync_row_results WHERE run_id = '${run.runId}' AND status = 'rejected' ORDER BY pk`,
    );
    expect(refused.map((r) => r['pk'])).toEqual(['user10@example.com', 'user42@example.com', 'user77@example.com']);
    for (const r of refused) {
      expect([r['code'], r['vendor_code']]).toEqual(['VENDOR_REFUSED', 'INVALID_OPTION']);
      expect(r['http_status']).toBe(207);
      expect(JSON.parse(String(r['request']))).toMatchObject({ id: r['pk'], properties: { plan_tier: 'platinum' } });
      expect(JSON.parse(String(r['answer']))).toMatchObject({ context: { ids: [r['pk']] } });
    }
    expect(hubspot.contacts.has('email:user42@example.com')).toBe(false);
    expect(hubspot.contacts.get('email:user43@example.com')).toMatchObject({ plan_tier: 'pro' });

    // Refused rows are not resent unchanged; once fixed, they go.
    const again = await engine.run('usage');
    expect(again).toMatchObject({ plannedChange: 0, plannedAdd: 0 });
    await w.exec(`UPDATE product_usage SET plan = 'enterprise' WHERE plan = 'platinum'`);
    const fixed = await engine.run('usage');
    expect(fixed).toMatchObject({ status: 'succeeded', plannedChange: 3, delivered: 3 });
    expect(hubspot.contacts.get('email:user42@example.com')).toMatchObject({ plan_tier: 'enterprise' });
    await engine.close();
  });

  it('delivers every row exactly once through random 5xx answers, honouring Retry-After on a 429', async () => {
    hubspot.script({ status: 429, headers: { 'retry-after': '1' } });
    // HubSpot's own 429s without Retry-After wait its documented 10 s window; random faults here are 5xx.
    hubspot.fail({ rate: 0.3, statuses: [500, 502, 503], seed: 7 });
    const engine = testEngine(config({ concurrency: 1 }), w.warehouse);
    const run = await engine.run('usage');
    expect(run).toMatchObject({ status: 'succeeded', delivered: 250, failed: 0 });
    // The scripted 429 asked for a second: the next request waited at least that long.
    const [first, second] = hubspot.requests;
    expect(first!.status).toBe(429);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
    for (let i = 0; i < 250; i++) {
      expect(hubspot.count(`user${i}@example.com`)).toBe(1);
      expect(hubspot.received(`user${i}@example.com`)).toBe(1);
    }
    const statuses = await w.rows(`SELECT status, count(*) AS n FROM sync_row_results WHERE run_id = '${run.runId}' GROUP BY status ORDER BY status`);
    expect(statuses.map((r) => r['status'])).toEqual(expect.arrayContaining(['delivered', 'rate_limited']));
    await engine.close();
  });

  /** A contact's record id, asked of the stand-in as HubSpot would be asked (batch/read by email). */
  const recordId = async (email: string): Promise<string> => {
    const res = await fetch(`${hubspot.url}/crm/v3/objects/contacts/batch/read`, {
      method: 'POST', headers: { authorization: 'Bearer test-token', 'content-type': 'application/json' },
      body: JSON.stringify({ idProperty: 'email', properties: ['email'], inputs: [{ id: email }] }),
    });
    const body = (await res.json()) as { results: { id: string }[] };
    return body.results[0]!.id;
  };

  it('mirror archives the contacts of rows that left the source (batch/read, then batch/archive), and a mass delete waits for approval', async () => {
    const engine = testEngine(config({ mode: 'mirror', mapping: { email: 'email', feature_x_uses: 'uses' } }), w.warehouse);
    expect(await engine.run('usage')).toMatchObject({ status: 'succeeded', delivered: 250 });
    await w.exec(`DELETE FROM product_usage WHERE email IN ('user5@example.com', 'user6@example.com')`);
    const ids = [await recordId('user5@example.com'), await recordId('user6@example.com')];
    const sentBefore = hubspot.requests.length;
    const small = await engine.run('usage');
    expect(small).toMatchObject({ status: 'succeeded', plannedRemove: 2, delivered: 2 });
    expect(hubspot.contacts.has('email:user5@example.com')).toBe(false);
    expect(hubspot.contacts.has('email:user6@example.com')).toBe(false);
    expect(hubspot.contacts.get('email:user7@example.com')).toMatchObject({ feature_x_uses: '0' });
    const sent = hubspot.requests.slice(sentBefore);
    expect(sent.map((r) => [r.path, r.status])).toEqual([
      ['/crm/v3/objects/contacts/batch/read', 200],
      ['/crm/v3/objects/contacts/batch/archive', 204],
    ]);
    expect(sent[0]!.body).toMatchObject({ idProperty: 'email', inputs: [{ id: 'user5@example.com' }, { id: 'user6@example.com' }] });
    // Archive takes record ids, which only the read could tell.
    expect((sent[1]!.body as { inputs: { id: string }[] }).inputs.map((i) => i.id)).toEqual(ids);
    const results = await w.rows(`SELECT pk, op, status, request, answer FROM sync_row_results WHERE run_id = '${small.runId}' ORDER BY pk`);
    expect(results.map((r) => [r['pk'], r['op'], r['status']])).toEqual([
      ['user5@example.com', 'remove', 'delivered'],
      ['user6@example.com', 'remove', 'delivered'],
    ]);
    expect(JSON.parse(String(results[0]!['request']))).toEqual({ archive: true, idProperty: 'email', id: 'user5@example.com' });
    expect(JSON.parse(String(results[0]!['answer']))).toEqual({ archived: ids[0] });

    // A source that suddenly lost most of its rows (a broken join) would delete most contacts.
    await w.exec(`DELETE FROM product_usage WHERE uses > 1`);
    const before = hubspot.requests.length;
    const refused = await engine.run('usage');
    expect(refused.status).toBe('failed');
    // Left: uses 0 or 1, i.e. i % 7 in {0, 1} for i < 250: 36 + 36 = 72 of 248; 176 would be deleted.
    expect(refused.error).toMatch(/^blast-radius guard: this run would delete 176 of the 248 rows the sync has delivered .* guards\.maxRemovePercent \(20%\)/);
    expect(hubspot.requests.length).toBe(before);
    expect(hubspot.contacts.has('email:user2@example.com')).toBe(true);
    // What the approvals' gate says once a second member approved (test/approvals/ drives the real one).
    let seen: string | null = null;
    const forced = await engine.run('usage', { gate: { check: async (p) => ((seen = p.guard), { go: true, approvalId: 'apr_test' }) } });
    expect(seen).toMatch(/would delete 176 of the 248 rows/);
    expect(forced).toMatchObject({ status: 'succeeded', plannedAdd: 0, plannedChange: 0, plannedRemove: 176, delivered: 176, details: { approval: 'apr_test' } });
    expect(hubspot.contacts.size).toBe(72);
    await engine.close();
  });

  it('mirror: a contact already gone from HubSpot counts as deleted; the dry run shows the read it would make', async () => {
    const engine = testEngine(config({ mode: 'mirror', mapping: { email: 'email', feature_x_uses: 'uses' } }), w.warehouse);
    await engine.run('usage');
    await w.exec(`DELETE FROM product_usage WHERE email IN ('user8@example.com', 'user9@example.com')`);
    // Someone archived user8 in HubSpot by hand.
    const user9 = await recordId('user9@example.com');
    await fetch(`${hubspot.url}/crm/v3/objects/contacts/batch/archive`, {
      method: 'POST', headers: { authorization: 'Bearer test-token', 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ id: await recordId('user8@example.com') }] }),
    });
    const before = hubspot.requests.length;
    const report = await engine.dryRun('usage');
    expect(hubspot.requests.length).toBe(before);
    expect(report.counts).toMatchObject({ remove: 2 });
    expect(report.requests.map((r) => r.url)).toEqual([`${hubspot.url}/crm/v3/objects/contacts/batch/read`]);
    expect(report.requests[0]!.body).toMatchObject({ idProperty: 'email', inputs: [{ id: 'user8@example.com' }, { id: 'user9@example.com' }] });

    const run = await engine.run('usage');
    expect(run).toMatchObject({ status: 'succeeded', plannedRemove: 2, delivered: 2, rejected: 0 });
    const sent = hubspot.requests.slice(before);
    expect(sent.map((r) => r.status)).toEqual([207, 204]);
    expect((sent[1]!.body as { inputs: { id: string }[] }).inputs).toEqual([{ id: user9 }]);
    const answers = await w.rows(`SELECT pk, answer FROM sync_row_results WHERE run_id = '${run.runId}' ORDER BY pk`);
    expect(answers.map((r) => JSON.parse(String(r['answer'])))).toEqual([{ archived: null, reason: 'no such contact in HubSpot' }, { archived: user9 }]);
    await engine.close();
  });

  it('the stand-in takes only what the HubSpot archive takes: record ids, 1 to 100 of them', async () => {
    await testEngine(config(), w.warehouse).run('usage');
    const post = (path: string, body: unknown) =>
      fetch(`${hubspot.url}/crm/v3/objects/contacts/batch/${path}`, { method: 'POST', headers: { authorization: 'Bearer test-token', 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const byEmail = await post('archive', { inputs: [{ id: 'user1@example.com' }] });
    expect(byEmail.status).toBe(400);
    expect(await byEmail.json()).toMatchObject({ category: 'VALIDATION_ERROR', message: expect.stringContaining('record ids') });
    const ids = Array.from({ length: 101 }, (_, i) => ({ id: String(100 + i) }));
    expect((await post('archive', { inputs: ids })).status).toBe(400);
    expect((await post('archive', { inputs: [{}] })).status).toBe(400);
    expect((await post('archive', { inputs: [] })).status).toBe(400);
    expect((await post('read', { idProperty: 'plan_tier', inputs: [{ id: 'pro' }] })).status).toBe(400);
    expect((await post('read', { idProperty: 'email', inputs: ids.map((_, i) => ({ id: `user${i}@example.com` })) })).status).toBe(400);
    expect(hubspot.contacts.size).toBe(250);
    const missing = await post('read', { idProperty: 'email', inputs: [{ id: 'user1@example.com' }, { id: 'nobody@example.com' }] });
    expect(missing.status).toBe(207);
    expect(await missing.json()).toMatchObject({ results: [{ properties: {} }], errors: [{ category: 'OBJECT_NOT_FOUND', context: { ids: ['nobody@example.com'] } }] });
  });

  it('dry run shows the diff and the exact requests, sending nothing and keeping the state', async () => {
    const engine = testEngine(config(), w.warehouse);
    await engine.run('usage');
    await w.exec(`UPDATE product_usage SET uses = 99 WHERE email = 'user1@example.com'`);
    await w.exec(`INSERT INTO product_usage VALUES ('new@example.com', 1, 'free')`);
    const sentBefore = hubspot.requests.length;
    const report = await engine.dryRun('usage');
    expect(hubspot.requests.length).toBe(sentBefore);
    expect(report.counts).toEqual({ add: 1, change: 1, remove: 0 });
    const change = report.rows.find((r) => r.op === 'change')!;
    expect(change).toMatchObject({ pk: 'user1@example.com', changed: ['feature_x_uses'], before: { feature_x_uses: 1 }, row: { feature_x_uses: 99 } });
    expect(report.requests).toHaveLength(1);
    const [req] = report.requests;
    expect(req!.url).toBe(`${hubspot.url}/crm/v3/objects/contacts/batch/upsert`);
    expect(req!.headers['authorization']).toBe('Bearer ***');
    expect(JSON.stringify(req)).not.toContain('test-token');
    expect((req!.body as { inputs: { id: string }[] }).inputs.map((i) => i.id).sort()).toEqual(['new@example.com', 'user1@example.com']);
    // Nothing was recorded: the real run still sends both.
    expect(await engine.run('usage')).toMatchObject({ plannedAdd: 1, plannedChange: 1, delivered: 2 });
    expect(await w.rows(`SELECT count(*) AS n FROM information_schema.tables WHERE table_name LIKE '_tl_%'`)).toEqual([{ n: 0 }]);
    await engine.close();
  });

  it('a paused run resumes where it stopped: acknowledged rows are not sent again', async () => {
    // The account's limit, known to the gate: the run is paced, never refused.
    hubspot.setRateLimit({ requests: 1, windowMs: 120 });
    const engine = testEngine(config({ concurrency: 1 }, { rateLimit: { requests: 1, windowMs: 150 } }), w.warehouse);
    const paused = await engine.run('usage', {
      onProgress: (p) => {
        if (p.delivered >= 100) engine.stop('usage', 'paused', 'test pause');
      },
    });
    expect(paused.status).toBe('paused');
    expect(paused.delivered).toBeGreaterThanOrEqual(100);
    expect(paused.delivered).toBeLessThan(250);
    // A test run or a baseline would get in its way: refused until the run is resumed or cancelled.
    await expect(engine.run('usage', { baseline: true })).rejects.toThrow(/has an interrupted run .*`touchline sync run usage`/);
    const resumed = await engine.run('usage');
    expect(resumed).toMatchObject({ runId: paused.runId, status: 'succeeded', resumes: 1, delivered: 250 });
    for (let i = 0; i < 250; i++) expect(hubspot.received(`user${i}@example.com`)).toBe(1);
    expect(hubspot.requests.every((r) => r.status === 200)).toBe(true);
    const history = await engine.history('usage');
    expect(history).toHaveLength(1);
    await engine.close();
  });

  it('refuses a source whose primary key is not unique, naming examples', async () => {
    await w.exec(`INSERT INTO product_usage VALUES ('user1@example.com', 3, 'pro')`);
    const engine = testEngine(config(), w.warehouse);
    const run = await engine.run('usage');
    expect(run.status).toBe('failed');
    expect(run.error).toBe('primary key is not unique: 1 duplicate row(s), e.g. "user1@example.com"');
    expect(hubspot.requests).toHaveLength(0);
    await engine.close();
  });

  it('stops at once when HubSpot refuses the credentials, and records no row as refused', async () => {
    const cfg = config();
    const bad = activationConfig({
      destinations: { hs: { type: 'hubspot', config: { endpoint: hubspot.url, accessToken: 'expired', properties: { feature_x_uses: 'feature_x_uses', plan: 'plan_tier' } } } },
      syncs: { usage: cfg.syncs['usage'] },
    });
    const engine = testEngine(bad, w.warehouse);
    const run = await engine.run('usage');
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/HTTP 401.*check the destination's credentials/);
    expect(hubspot.requests.length).toBeLessThanOrEqual(2);
    expect(await w.rows(`SELECT count(*) AS n FROM sync_state`)).toEqual([{ n: 0 }]);
    await engine.close();
    const good = testEngine(cfg, w.warehouse);
    expect(await good.run('usage')).toMatchObject({ status: 'succeeded', delivered: 250 });
    await good.close();
  });

  it('stops when the destination has no credentials at all (no token, no provider): nothing sent, nothing parked as refused', async () => {
    // One request in flight, so exactly one batch (HubSpot's 100) is refused before the run stops.
    const cfg = config({ concurrency: 1 });
    const none = activationConfig({
      destinations: { hs: { type: 'hubspot', config: { endpoint: hubspot.url, properties: { feature_x_uses: 'feature_x_uses', plan: 'plan_tier' } } } },
      syncs: { usage: cfg.syncs['usage'] },
    });
    const engine = testEngine(none, w.warehouse);
    const run = await engine.run('usage');
    expect(run).toMatchObject({ status: 'failed', delivered: 0, rejected: 0 });
    expect(run.error).toMatch(/^.*NO_CREDENTIALS.*the destination has no usable credentials/);
    expect(hubspot.requests).toHaveLength(0);
    expect(await w.rows(`SELECT count(*) AS n FROM sync_state`)).toEqual([{ n: 0 }]);
    // The rows of the refused request are recorded as not delivered yet, never as refused for good.
    expect(await w.rows(`SELECT status, code, count(*) AS n FROM sync_row_results GROUP BY 1, 2`)).toEqual([{ status: 'failed', code: 'NO_CREDENTIALS', n: 100 }]);
    await engine.close();
    const good = testEngine(cfg, w.warehouse);
    expect(await good.run('usage')).toMatchObject({ status: 'succeeded', delivered: 250 });
    await good.close();
  });

  it('two syncs run at once on one warehouse, sharing the account\'s gate', async () => {
    const base = config({}, { rateLimit: { requests: 5, windowMs: 200 } });
    const cfg = { ...base, syncs: { ...base.syncs, copy: { ...base.syncs['usage']!, source: { sql: `SELECT replace(email, 'user', 'copy') AS email, uses, plan FROM product_usage` } } } };
    // HubSpot allows a little more than the account's configured limit: the shared gate keeps both syncs under it.
    hubspot.setRateLimit({ requests: 6, windowMs: 200 });
    const engine = testEngine(cfg, w.warehouse);
    const [a, b] = await Promise.all([engine.run('usage'), engine.run('copy')]);
    expect(a).toMatchObject({ status: 'succeeded', delivered: 250 });
    expect(b).toMatchObject({ status: 'succeeded', delivered: 250 });
    expect(hubspot.requests.filter((r) => r.status === 429)).toHaveLength(0);
    expect(await w.rows(`SELECT sync_name, count(*) AS n FROM sync_state GROUP BY 1 ORDER BY 1`)).toEqual([
      { sync_name: 'copy', n: 250 },
      { sync_name: 'usage', n: 250 },
    ]);
    await engine.close();
  });
});
