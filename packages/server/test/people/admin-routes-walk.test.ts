/**
 * Every admin route, listed from the admin app's own route table, against every kind of caller:
 * nobody, a forged / revoked / expired token, and a member of each role. 401 for the first four;
 * for members, 403 exactly when the policy says no (naming the action and the rule), and never
 * 401/403 when it says yes. Each decision lands in the audit log. A route added later is walked
 * without touching this file.
 */
import { startHubspotStandIn, type HubspotStandIn } from '@touchline/destinations/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminAction } from '../../src/admin/admin-route.js';
import { routeTable } from '../../src/http/http-app.js';
import { parseToken } from '../../src/people/tokens.js';
import { ROLES, SCOPES, type Role } from '../../src/policy/actions.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
let hubspot: HubspotStandIn;
const tokens = {} as Record<Role, string>;
let revoked: string;
let expired: string;
let probationAdmin: string;

const concrete = (url: string) => url.replace(/:(\w+)/g, 'x-$1');
const routes = () => routeTable(h.adminApp).filter((r) => r.config['action'] !== undefined).map((r) => ({ ...r, action: r.config['action'] as AdminAction }));
const call = (method: string, url: string, token?: string, payload?: unknown) =>
  h.adminApp.inject({
    method: method as 'GET',
    url,
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), 'user-agent': 'walk-test' },
    ...(method === 'GET' || method === 'DELETE' ? {} : { payload: (payload ?? {}) as object }),
  });

beforeAll(async () => {
  hubspot = await startHubspotStandIn();
  h = await startHarness({
    destinations: { hs: { type: 'hubspot', config: { endpoint: hubspot.url, accessToken: 'test-token', properties: { n: 'feature_x_uses' } } } },
    syncs: { seats: { destination: 'hs', source: { sql: `SELECT 'seat' || i || '@example.com' AS email, i AS n FROM range(120) r(i)` }, primaryKey: 'email', mode: 'upsert' } },
    policy: { tenure: { probationMaxRows: 100 } },
  });
  const mint = (email: string, role: Role, startDate: string) => {
    const m = h.people.members.add({ name: email, email, role, startDate });
    return h.people.tokens.create({ memberId: m.id, name: 'walk', scopes: [...SCOPES], expiresAt: new Date(Date.now() + 86_400_000), createdBy: 'bootstrap' }).token;
  };
  for (const role of ROLES) tokens[role] = mint(`${role}@example.com`, role, '2020-01-01');
  revoked = mint('revoked@example.com', 'owner', '2020-01-01');
  h.people.tokens.revoke(parseToken(revoked)!.id, 'test');
  expired = mint('expired@example.com', 'owner', '2020-01-01');
  // A stored expiry in the past: what the clock would have made of it.
  h.people.store.db.prepare('UPDATE tokens SET expires_at = ? WHERE id = ?').run('2021-01-01T00:00:00.000Z', parseToken(expired)!.id);
  probationAdmin = mint('new-admin@example.com', 'admin', new Date().toISOString().slice(0, 10));
});
afterAll(async () => {
  await h?.dispose();
  await hubspot?.close();
});

describe('every admin route', () => {
  it('has an action, and the table has the people routes', () => {
    const urls = routes().map((r) => `${r.method} ${r.url}`);
    expect(urls).toEqual(expect.arrayContaining(['GET /admin/me', 'POST /admin/members', 'POST /admin/tokens', 'GET /admin/audit', 'PUT /admin/policy/:key']));
    expect(urls.length).toBeGreaterThanOrEqual(30);
  });

  it('answers 401 without a token, and with a forged, revoked or expired one', async () => {
    const { id, secret } = parseToken(tokens.owner)!;
    const forged = `tl_pat_${id}_${secret.slice(0, -2)}xx`;
    for (const r of routes()) {
      for (const [what, token] of [['none', undefined], ['forged', forged], ['revoked', revoked], ['expired', expired], ['empty', ''], ['admin token + junk', `${h.adminToken}x`]] as const) {
        const res = await call(r.method, concrete(r.url), token);
        expect(res.statusCode, `${r.method} ${r.url} with ${what}`).toBe(401);
        // HEAD (fastify's twin of each GET) answers without a body.
        if (r.method !== 'HEAD') expect(res.json().message).not.toContain(secret);
      }
    }
    const res = await call('GET', '/admin/me', revoked);
    expect(res.json().message).toMatch(/revoked/);
  });

  it('answers 403 exactly when the policy says no, naming the action and the rule, for every role', async () => {
    // Owners go last: their allowed requests include disabling and rotating the admin token.
    for (const role of ROLES) {
      const actor = h.people.authenticate(tokens[role]).actor!;
      for (const r of routes()) {
        const expected = h.people.decide(actor, r.action, r.action === 'syncs.run' ? { send: 'real' } : {});
        const res = await call(r.method, concrete(r.url), tokens[role]);
        const where = `${role} ${r.method} ${r.url} (${expected.rule}): ${res.body.slice(0, 200)}`;
        if (expected.allowed) {
          expect([401, 403], where).not.toContain(res.statusCode);
        } else {
          expect(res.statusCode, where).toBe(403);
          if (r.method === 'HEAD') continue;
          expect(res.json(), where).toMatchObject({ error: 'forbidden', action: r.action, rule: expected.rule });
          expect(res.json().message, where).toContain(r.action);
        }
      }
    }
    // Sanity: the walk saw both answers for the weakest and strongest role.
    const viewerDenied = routes().filter((r) => !h.people.decide(h.people.authenticate(tokens.viewer).actor!, r.action).allowed);
    expect(viewerDenied.length).toBeGreaterThan(15);
  });

  it('recorded each decision in the audit log, with who, from where, the rule and the outcome', () => {
    const denied = h.people.audit.query({ member: 'viewer@example.com', action: 'members.add' });
    expect(denied[0]).toMatchObject({ outcome: 'denied', rule: 'role.viewer', status: 403, userAgent: 'walk-test', actor: { type: 'member', label: 'viewer@example.com' } });
    const anon = h.people.audit.query({ action: 'sql.query', limit: 1000 }).filter((r) => r.actor.type === 'anonymous');
    expect(anon.length).toBeGreaterThanOrEqual(6);
    expect(anon.every((r) => r.outcome === 'denied' && r.status === 401)).toBe(true);
    expect(h.people.audit.verify()).toMatchObject({ ok: true });
  });
});

describe('sends in a member\'s first days', () => {
  it('holds a real send for a second member\'s approval, and refuses a test send over the row cap, naming the rule', async () => {
    const real = await call('POST', '/admin/syncs/seats/runs', probationAdmin, {});
    expect(real.statusCode).toBe(202);
    let run = { status: 'pending', details: {} as Record<string, unknown> };
    for (let i = 0; i < 400 && !['awaiting_approval', 'succeeded', 'failed'].includes(run.status); i++) {
      await new Promise((r) => setTimeout(r, 25));
      run = (await call('GET', `/admin/syncs/seats/runs/${real.json().runId as string}`, tokens.owner)).json().run;
    }
    expect(run.status).toBe('awaiting_approval');
    const approval = (await call('GET', `/admin/approvals/${run.details['approval'] as string}`, tokens.owner)).json().approval;
    expect(approval.triggers.map((t: { rule: string }) => t.rule)).toContain('tenure.probation-sends');
    expect(hubspot.requests).toHaveLength(0);
    const test = await call('POST', '/admin/syncs/seats/runs', probationAdmin, { test: true });
    expect(test.statusCode).toBe(403);
    expect(test.json().message).toMatch(/120 rows, more than the 100 allowed/);
    expect(h.people.audit.query({ member: 'new-admin@example.com', action: 'syncs.run' })[0]).toMatchObject({ outcome: 'denied', status: 403, rule: 'tenure.probation-sends' });
  });
});

describe('unauthenticated', () => {
  it('only /healthz and /readyz answer', async () => {
    expect((await h.adminApp.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const ready = await h.adminApp.inject({ method: 'GET', url: '/readyz' });
    expect([ready.statusCode, ready.json()]).toEqual([200, { ok: true, checks: { spool: 'ok', warehouse: 'ok' } }]);
  });
});
