/**
 * Two-person approval of risky sends, through the admin API a person and the dashboard use: a
 * real DuckDB warehouse, the HubSpot stand-in (its published contract), a clock the test moves.
 * Attacks the rule itself: the requester approving with each of their tokens, the admin token
 * approving its own request, an owner approving the admin token's, roles and tenure that may not
 * decide, an expired request, data that changed between approval and send.
 */
import { startHubspotStandIn, type HubspotStandIn } from '@touchline/destinations/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/activation/store/records.js';
import { SCHEDULER } from '../../src/approvals/approval-record.js';
import { main } from '../../src/cli/main.js';
import { writeServerFile } from '../../src/cli/server-handle.js';
import { resolveConfig } from '../../src/config/config.js';
import { SCOPES, type Role } from '../../src/policy/actions.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
let hubspot: HubspotStandIn;
/** The people clock runs this far ahead of the wall clock (expiry). */
let shiftMs = 0;
const HOUR = 3_600_000;
const t = {} as Record<'alice' | 'alice2' | 'bob' | 'olivia' | 'viewer' | 'analyst' | 'newAdmin', string>;

const call = (method: 'GET' | 'POST', url: string, token: string, payload?: unknown) =>
  h.adminApp.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(method === 'POST' ? { payload: (payload ?? {}) as object } : {}) });
const exec = async (sql: string) => void (await h.warehouse.query(sql, { readOnly: false }));

/** Waits for a run started in the server to finish (it goes on after the 202). */
async function finished(runId: string, sync = 'seats'): Promise<RunRecord> {
  for (let i = 0; i < 400; i++) {
    const run = (await call('GET', `/admin/syncs/${sync}/runs/${runId}`, h.adminToken)).json().run as RunRecord;
    // Final, and let go by the engine (it drops the run's tables after saving the status).
    if (['succeeded', 'failed', 'cancelled', 'awaiting_approval'].includes(run.status) && !h.activation.syncs.isRunning(run.syncName)) return run;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`run ${runId} did not finish`);
}
async function runAs(token: string, body: Record<string, unknown> = {}): Promise<RunRecord> {
  const res = await call('POST', '/admin/syncs/seats/runs', token, body);
  expect(res.statusCode, res.body).toBe(202);
  return finished(res.json().runId as string);
}
const sentValue = (i: number) => (hubspot.contacts.get(`email:seat${i}@example.com`) as Record<string, unknown> | undefined)?.['feature_x_uses'];

beforeAll(async () => {
  hubspot = await startHubspotStandIn();
  h = await startHarness(
    {
      destinations: { hs: { type: 'hubspot', config: { endpoint: hubspot.url, accessToken: 'test-token', properties: { n: 'feature_x_uses' } } } },
      syncs: {
        seats: { destination: 'hs', source: { sql: 'SELECT email, n FROM seats_src' }, primaryKey: 'email', mode: 'upsert' },
        // Run by the scheduler as the server starts: nobody asked, and its first real run waits all the same.
        nightly: { destination: 'hs', source: { sql: `SELECT 'night' || i || '@example.com' AS email, i AS n FROM range(3) r(i)` }, primaryKey: 'email', mode: 'upsert', schedule: { every: '1h' } },
      },
    },
    { now: () => new Date(Date.now() + shiftMs), listen: true },
  );
  await writeServerFile(resolveConfig({ dataDir: h.dataDir }, {}, {}), { pid: process.pid, url: h.url, adminUrl: h.adminUrl, adminToken: h.adminToken });
  await exec(`CREATE TABLE seats_src AS SELECT 'seat' || i || '@example.com' AS email, i AS n FROM range(120) r(i)`);
  const member = (email: string, role: Role, startDate: string) => h.people.members.add({ name: email, email, role, startDate });
  const token = (memberId: string) =>
    h.people.tokens.create({ memberId, name: 'test', scopes: [...SCOPES], expiresAt: new Date(Date.now() + 30 * 24 * HOUR), createdBy: 'bootstrap' }).token;
  const alice = member('alice@example.com', 'admin', '2020-01-01');
  t.alice = token(alice.id);
  t.alice2 = token(alice.id);
  t.bob = token(member('bob@example.com', 'admin', '2020-01-01').id);
  t.olivia = token(member('olivia@example.com', 'owner', '2020-01-01').id);
  t.viewer = token(member('vera@example.com', 'viewer', '2020-01-01').id);
  t.analyst = token(member('andy@example.com', 'analyst', '2020-01-01').id);
  t.newAdmin = token(member('new@example.com', 'admin', new Date().toISOString().slice(0, 10)).id);
});
afterAll(async () => {
  await h?.dispose();
  await hubspot?.close();
});

describe('a sync run that needs a second member', () => {
  let approvalId = '';

  it('stops the first real run of a sync awaiting approval, with its diff and exact requests, sending nothing', async () => {
    const run = await runAs(t.alice);
    expect(run).toMatchObject({ status: 'awaiting_approval', plannedAdd: 120, delivered: 0, requests: 0 });
    expect(hubspot.requests).toHaveLength(0);
    approvalId = (run.details as { approval: string }).approval;
    const list = (await call('GET', '/admin/approvals?status=pending&sync=seats', t.bob)).json().approvals;
    expect(list).toEqual([
      expect.objectContaining({
        id: approvalId, status: 'pending', sync: 'seats', destination: 'hs', type: 'hubspot', rows: 120, counts: { add: 120, change: 0, remove: 0 },
        requester: { type: 'member', id: expect.any(String), tokenId: expect.any(String), label: 'alice@example.com' },
        triggers: [expect.objectContaining({ rule: 'approvals.first-real-run' })], runId: run.runId,
      }),
    ]);
    expect(Date.parse(list[0].expiresAt) - Date.parse(list[0].createdAt)).toBe(24 * HOUR);
    const shown = (await call('GET', `/admin/approvals/${approvalId}`, t.bob)).json().approval;
    expect(shown.report.rows).toHaveLength(50);
    // The 50 rows kept fit one HubSpot batch (up to 100 inputs).
    expect(shown.report.requests).toHaveLength(1);
    // The exact request, credentials masked: the access token never reaches the control store's readers.
    expect(JSON.stringify(shown.report.requests)).toContain('seat0@example.com');
    expect(JSON.stringify(shown.report.requests)).not.toContain('test-token');
    expect(h.people.audit.query({ action: 'approvals.request' })[0]).toMatchObject({ actor: { label: 'alice@example.com' }, target: `approval ${approvalId}`, rule: 'approvals.first-real-run' });
  });

  it('refuses the requester\'s own approval, with either of her tokens', async () => {
    for (const token of [t.alice, t.alice2]) {
      const res = await call('POST', `/admin/approvals/${approvalId}/approve`, token);
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ error: 'forbidden', rule: 'approvals.same-person', message: expect.stringContaining('alice@example.com made this request') });
    }
    const denied = h.people.audit.query({ member: 'alice@example.com', action: 'approvals.decide' });
    expect(denied.map((r) => r.outcome)).toEqual(['denied', 'denied']);
    expect(hubspot.requests).toHaveLength(0);
  });

  it('refuses a viewer, an analyst and an admin in their first 30 days, naming the rule', async () => {
    for (const [token, rule] of [[t.viewer, 'role.viewer'], [t.analyst, 'role.analyst'], [t.newAdmin, 'tenure.min-days']] as const) {
      const res = await call('POST', `/admin/approvals/${approvalId}/approve`, token);
      expect([res.statusCode, res.json().rule]).toEqual([403, rule]);
    }
    expect((await call('GET', '/admin/approvals', t.viewer)).statusCode).toBe(403);
    expect(hubspot.requests).toHaveLength(0);
  });

  it('sends exactly the approved diff once a second member approves, and only once', async () => {
    const res = await call('POST', `/admin/approvals/${approvalId}/approve`, t.bob);
    expect(res.statusCode, res.body).toBe(202);
    const run = await finished(res.json().runId);
    expect(run).toMatchObject({ status: 'succeeded', plannedAdd: 120, delivered: 120, details: { approval: approvalId } });
    expect(hubspot.contacts.size).toBe(120);
    expect(sentValue(7)).toBe('7');
    const used = (await call('GET', `/admin/approvals/${approvalId}`, t.bob)).json().approval;
    expect(used).toMatchObject({ status: 'used', usedRunId: run.runId, decider: { label: 'bob@example.com' } });
    // Used is final: approving again starts nothing.
    expect((await call('POST', `/admin/approvals/${approvalId}/approve`, t.olivia)).statusCode).toBe(409);
    expect(h.people.audit.query({ action: 'approvals.used' })[0]).toMatchObject({ target: `approval ${approvalId}`, actor: { label: 'bob@example.com' } });
  });

  it('lets a run that crosses no trigger send at once', async () => {
    await exec(`UPDATE seats_src SET n = 1000 WHERE email = 'seat1@example.com'`);
    expect(await runAs(t.alice)).toMatchObject({ status: 'succeeded', plannedChange: 1, delivered: 1 });
    expect(sentValue(1)).toBe('1000');
  });
});

describe('when the data changes, or time passes, nothing unapproved is sent', () => {
  it('stops the approved run again, as a new request, when the diff is no longer the approved one', async () => {
    await exec(`UPDATE seats_src SET n = 2000 WHERE email = 'seat2@example.com'`);
    const asked = await runAs(t.alice, { force: true });
    const first = (asked.details as { approval: string }).approval;
    expect(asked).toMatchObject({ status: 'awaiting_approval', plannedChange: 1 });
    // After the request, before the approval: one more row changes.
    await exec(`UPDATE seats_src SET n = 3000 WHERE email = 'seat3@example.com'`);
    const sentBefore = hubspot.requests.length;
    const res = await call('POST', `/admin/approvals/${first}/approve`, t.bob);
    const again = await finished(res.json().runId);
    expect(again).toMatchObject({ status: 'awaiting_approval', plannedChange: 2, delivered: 0 });
    expect(hubspot.requests.length).toBe(sentBefore);
    expect(sentValue(2)).toBe('2');
    const second = (again.details as { approval: string }).approval;
    expect(second).not.toBe(first);
    expect((await call('GET', `/admin/approvals/${first}`, t.bob)).json().approval).toMatchObject({ status: 'superseded', supersededBy: second });
    const next = (await call('GET', `/admin/approvals/${second}`, t.bob)).json().approval;
    // Still alice's request (bob approving it would not be a second person's look at the new diff otherwise).
    expect(next).toMatchObject({ status: 'pending', requester: { label: 'alice@example.com' }, rows: 2 });
    expect(next.triggers.map((x: { rule: string }) => x.rule)).toEqual(['approvals.forced', 'approvals.diff-changed']);
    const sent = await finished((await call('POST', `/admin/approvals/${second}/approve`, t.bob)).json().runId);
    expect(sent).toMatchObject({ status: 'succeeded', plannedChange: 2, delivered: 2 });
    expect([sentValue(2), sentValue(3)]).toEqual(['2000', '3000']);
  });

  it('expires a request not decided in time: approving it then sends nothing', async () => {
    await exec(`UPDATE seats_src SET n = 4000 WHERE email = 'seat4@example.com'`);
    const asked = await runAs(t.alice, { force: true });
    const id = (asked.details as { approval: string }).approval;
    const sentBefore = hubspot.requests.length;
    shiftMs += 24 * HOUR + 1000;
    const res = await call('POST', `/admin/approvals/${id}/approve`, t.bob);
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toMatch(/is expired \(it expired at/);
    expect(hubspot.requests.length).toBe(sentBefore);
    expect(sentValue(4)).toBe('4');
    expect((await call('GET', `/admin/approvals/${id}`, t.bob)).json().approval.status).toBe('expired');
    expect(h.people.audit.query({ action: 'approvals.expired' })[0]).toMatchObject({ target: `approval ${id}`, actor: { type: 'system' } });
  });

  it('rejects with a reason; a rejected request cannot be approved after', async () => {
    const asked = await runAs(t.alice, { force: true });
    const id = (asked.details as { approval: string }).approval;
    expect((await call('POST', `/admin/approvals/${id}/reject`, t.bob, {})).statusCode).toBe(400);
    const rejected = await call('POST', `/admin/approvals/${id}/reject`, t.bob, { reason: 'the 4000 is a typo' });
    expect(rejected.json().approval).toMatchObject({ status: 'rejected', reason: 'the 4000 is a typo', decider: { label: 'bob@example.com' } });
    expect((await call('POST', `/admin/approvals/${id}/approve`, t.olivia)).statusCode).toBe(409);
    expect(sentValue(4)).toBe('4');
  });
});

describe('who counts as the same person', () => {
  it('keeps the admin token from approving its own request, and owners (who may hold it) too; an admin may', async () => {
    const asked = await runAs(h.adminToken, { force: true });
    const id = (asked.details as { approval: string }).approval;
    expect((await call('GET', `/admin/approvals/${id}`, t.bob)).json().approval.requester).toEqual({ type: 'bootstrap', id: null, tokenId: null, label: 'admin token' });
    const own = await call('POST', `/admin/approvals/${id}/approve`, h.adminToken);
    expect([own.statusCode, own.json().rule]).toEqual([403, 'approvals.same-person']);
    const owner = await call('POST', `/admin/approvals/${id}/approve`, t.olivia);
    expect([owner.statusCode, owner.json().message]).toEqual([403, expect.stringContaining('any owner may hold it')]);
    const ok = await call('POST', `/admin/approvals/${id}/approve`, t.bob);
    expect((await finished(ok.json().runId)).status).toBe('succeeded');
    expect(sentValue(4)).toBe('4000');
  });

  it('makes a real send by a member in probation wait, where it was refused before', async () => {
    await exec(`UPDATE seats_src SET n = 5000 WHERE email = 'seat5@example.com'`);
    const run = await runAs(t.newAdmin);
    expect(run.status).toBe('awaiting_approval');
    const a = (await call('GET', `/admin/approvals/${(run.details as { approval: string }).approval}`, t.bob)).json().approval;
    expect(a.triggers.map((x: { rule: string }) => x.rule)).toEqual(['tenure.probation-sends']);
    expect(sentValue(5)).toBe('5');
  });
});

describe('touchline approvals, through the running server', () => {
  /** The CLI in this process, presenting `token` as TOUCHLINE_TOKEN. */
  async function cli(token: string, ...args: string[]): Promise<{ code: number; out: string }> {
    const lines: string[] = [];
    const before = process.env['TOUCHLINE_TOKEN'];
    process.env['TOUCHLINE_TOKEN'] = token;
    try {
      const code = await main(['approvals', ...args, '--data-dir', h.dataDir], (l) => lines.push(l)).catch((e: Error) => (lines.push(e.message), 1));
      return { code, out: lines.join('\n') };
    } finally {
      if (before === undefined) delete process.env['TOUCHLINE_TOKEN'];
      else process.env['TOUCHLINE_TOKEN'] = before;
    }
  }

  it('lists and shows a request, refuses the requester and a viewer, and an admin approves it', async () => {
    await exec(`UPDATE seats_src SET n = 6000 WHERE email = 'seat6@example.com'`);
    const id = ((await runAs(t.alice, { force: true })).details as { approval: string }).approval;
    const listed = await cli(t.bob, 'list');
    expect(listed.out).toMatch(new RegExp(`${id}\\s+pending\\s+seats -> hs \\(hubspot\\)\\s+\\d+ rows .*asked by alice@example.com`));
    const shown = await cli(t.bob, 'show', id);
    expect(shown.out).toContain('waits because (approvals.forced)');
    expect(shown.out).toContain('seat6@example.com');
    const own = await cli(t.alice2, 'approve', id);
    expect(own).toEqual({ code: 1, out: expect.stringContaining('alice@example.com made this request') });
    const viewer = await cli(t.viewer, 'approve', id);
    expect(viewer).toEqual({ code: 1, out: expect.stringContaining('rule role.viewer') });
    expect(sentValue(6)).toBe('6');
    const approved = await cli(t.bob, 'approve', id);
    expect(approved.out).toMatch(new RegExp(`approved ${id}: run run_\\w+ of sync seats started`));
    await finished(/run (run_\w+)/.exec(approved.out)![1]!);
    expect(sentValue(6)).toBe('6000');
    expect((await cli(t.bob, 'list', 'used')).out).toContain(id);
    expect((await cli(t.bob, 'reject', id)).out).toContain('--reason');
  });
});

describe('a scheduled run', () => {
  it('waits for approval too (the scheduler is nobody who could approve), once however often it comes round', async () => {
    const asked = async () => (await call('GET', '/admin/approvals?sync=nightly', t.bob)).json().approvals as { id: string; status: string; requester: unknown; triggers: { rule: string }[] }[];
    for (let i = 0; i < 400 && (await asked()).length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    // The scheduler's run as the server started (expired by now if the expiry test moved the clock past it).
    const [first] = await asked();
    expect(first).toMatchObject({ requester: { type: 'system', label: 'scheduler' }, triggers: [{ rule: 'approvals.first-real-run' }] });
    expect(hubspot.contacts.has('email:night0@example.com')).toBe(false);
    // The next rounds of the scheduler: the same diff waits on one request.
    const scheduled = () => h.activation.syncs.run('nightly', { gate: h.approvals.gateFor(SCHEDULER, { forced: false, full: false }) });
    const a = await scheduled();
    const b = await scheduled();
    expect([a.status, b.status]).toEqual(['awaiting_approval', 'awaiting_approval']);
    const id = (a.details as { approval: string }).approval;
    expect((b.details as { approval: string }).approval).toBe(id);
    expect((await asked()).filter((x) => x.status === 'pending').map((x) => x.id)).toEqual([id]);
    const ok = await call('POST', `/admin/approvals/${id}/approve`, t.olivia);
    expect((await finished(ok.json().runId, 'nightly')).status).toBe('succeeded');
    expect(hubspot.contacts.has('email:night2@example.com')).toBe(true);
  });
});
