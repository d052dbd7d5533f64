/**
 * The people routes through the admin API with real tokens: an owner adds a member and mints their
 * first token, the member signs in with it, bad input is refused naming the field, policy changes
 * are recorded with before and after, and secrets in request bodies never reach the audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth } from '../../src/admin/credentials.js';
import { SCOPES } from '../../src/policy/actions.js';
import { startHarness, type Harness } from '../support/harness.js';
import { SPECIAL_TEXT } from '../support/hostile-text.js';

let h: Harness;
let owner: string;
const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, token: string, payload?: unknown) =>
  h.adminApp.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload: payload as object }) });

beforeAll(async () => {
  h = await startHarness();
  const m = h.people.members.add({ name: 'Olga', email: 'olga@example.com', role: 'owner', startDate: '2020-01-01' });
  owner = h.people.tokens.create({ memberId: m.id, name: 'laptop', scopes: [...SCOPES], expiresAt: new Date(Date.now() + 86_400_000), createdBy: 'bootstrap' }).token;
});
afterAll(async () => h?.dispose());

describe('members and their tokens over the admin API', () => {
  it('adds a member, mints their first token, and the member is who the token says', async () => {
    const added = await call('POST', '/admin/members', owner, { email: 'ana@example.com', name: 'Ana', role: 'analyst' });
    expect(added.statusCode).toBe(201);
    const minted = await call('POST', '/admin/members/ana@example.com/tokens', owner, { name: 'cli', scopes: ['read', 'analyze'], days: 30 });
    expect(minted.statusCode).toBe(201);
    const { token, info } = minted.json() as { token: string; info: { expiresAt: string; scopes: string[] } };
    expect(info.scopes).toEqual(['read', 'analyze']);
    expect(Date.parse(info.expiresAt) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    const me = (await call('GET', '/admin/me', token)).json();
    expect(me.actor).toMatchObject({ kind: 'member', member: { email: 'ana@example.com', role: 'analyst' } });
    expect(me.allowedActions).toContain('sql.query');
    expect(me.allowedActions).not.toContain('syncs.run');
    // The dashboard's entry points say the same.
    const auth = adminAuth(h.people);
    const actor = auth.authenticate(token)!;
    expect(auth.allowedActions(actor)).toEqual(me.allowedActions);
    expect(auth.authenticate(token.slice(0, -1) + '_')).toBeNull();
  });

  it('a member mints only their own tokens, within their token\'s scopes, and cannot revoke another\'s', async () => {
    const ana = (await call('POST', '/admin/members/ana@example.com/tokens', owner, { scopes: ['read', 'admin'] })).json().token as string;
    expect((await call('POST', '/admin/tokens', ana, { name: 'wider', scopes: ['read', 'sync'] })).json()).toMatchObject({ rule: 'scope.no-widening' });
    const mine = await call('POST', '/admin/tokens', ana, { name: 'narrow', scopes: ['read'] });
    expect(mine.statusCode).toBe(201);
    const olgaTokens = h.people.tokens.list(h.people.members.get('olga@example.com').id);
    expect((await call('DELETE', `/admin/tokens/${olgaTokens[0]!.id}`, ana)).statusCode).toBe(404);
    expect(h.people.tokens.get(olgaTokens[0]!.id).revokedAt).toBeNull();
  });

  it('refuses bad input with the field named', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['/admin/members', { email: 'not-mail', name: 'x', role: 'viewer' }, /^email/],
      ['/admin/members', { email: 'x@example.com', name: 'x', role: 'superuser' }, /^role/],
      ['/admin/members', { email: 'ana@example.com', name: 'x', role: 'viewer' }, /exists already/],
      ['/admin/members/ana@example.com/tokens', { scopes: ['read'], days: 100_000 }, /^days/],
      ['/admin/members/ana@example.com/tokens', { scopes: ['root'] }, /^scopes/],
      ['/admin/members/nobody@example.com/tokens', { scopes: ['read'] }, /no member/],
      ['/admin/members/ana@example.com/grants', { actions: ['syncs.run'], until: 'tomorrow', reason: 'x' }, /^until/],
    ];
    for (const [url, body, message] of cases) {
      const res = await call('POST', url, owner, body);
      expect([400, 404, 409], `${url} ${JSON.stringify(body)}`).toContain(res.statusCode);
      expect(res.json().message).toMatch(message);
    }
  });
});

describe('hostile text in member fields', () => {
  it('is stored exactly as sent or refused naming the field, never half-stored', async () => {
    let i = 0;
    for (const bad of SPECIAL_TEXT) {
      i++;
      const name = `Name ${bad} end`;
      const email = `user${i}${bad}x@example.com`;
      const res = await call('POST', '/admin/members', owner, { email, name, role: 'viewer' });
      if (res.statusCode === 201) {
        const listed = (await call('GET', '/admin/members', owner)).json().members as { email: string; name: string }[];
        expect(listed.find((m) => m.email === res.json().email), JSON.stringify(bad)).toMatchObject({ name: name.trim() });
      } else {
        expect(res.statusCode, JSON.stringify(bad)).toBe(400);
        expect(res.json().message).toMatch(/^(name|email):/);
        expect(h.people.members.find(email)).toBeNull();
      }
    }
  });
});

describe('the policy over the admin API', () => {
  it('sets a value, records before and after, and applies it at once', async () => {
    const res = await call('PUT', '/admin/policy/tenure.probationDays', owner, { value: 14 });
    expect(res.json()).toMatchObject({ before: null, after: 14 });
    expect(h.people.policy().tenure.probationDays).toBe(14);
    expect(h.people.audit.query({ action: 'policy.set' })[0]).toMatchObject({ target: 'policy tenure.probationDays', before: null, after: 14, outcome: 'allowed' });
    const bad = await call('PUT', '/admin/policy/roles.admin', owner, { value: { allow: ['policy.set'] } });
    expect([bad.statusCode, bad.json().message]).toEqual([400, expect.stringMatching(/stays with owners/)]);
    const unknown = await call('PUT', '/admin/policy/tenure.probationDayz', owner, { value: 1 });
    expect(unknown.json().message).toMatch(/unknown policy key "tenure.probationDayz"/);
    expect(h.people.policy().tenure.probationDays).toBe(14);
  });
});

describe('the audit log over the admin API', () => {
  it('masks secrets in what it records, and cannot be changed through the API', async () => {
    const key = 'wk_secret_value_0123456789';
    await call('POST', '/admin/sources', owner, { name: 'ios-app', writeKey: key });
    const [rec] = h.people.audit.query({ action: 'sources.create' });
    expect(rec!.params).toMatchObject({ body: { name: 'ios-app', writeKey: '***' } });
    const all = JSON.stringify(h.people.audit.query({ limit: 10_000 }));
    expect(all).not.toContain(key);
    expect(all).not.toContain(owner.slice(24));
    for (const method of ['PUT', 'DELETE', 'POST'] as const) {
      expect((await call(method, '/admin/audit', owner, method === 'DELETE' ? undefined : {})).statusCode).toBe(404);
    }
    const listed = (await call('GET', '/admin/audit?member=olga@example.com&action=policy.&limit=5', owner)).json().records as { action: string }[];
    expect(listed.map((r) => r.action)).toEqual(['policy.set', 'policy.set', 'policy.set']);
    expect((await call('GET', '/admin/audit?since=yesterday', owner)).statusCode).toBe(400);
    expect((await call('GET', '/admin/audit/verify', owner)).json()).toMatchObject({ ok: true });
  });
});
