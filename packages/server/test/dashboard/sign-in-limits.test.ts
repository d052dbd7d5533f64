import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAdminApp } from '../../src/admin/admin-app.js';
import { adminAuth, createSessionStore, registerSessionRoutes, signInAudit } from '../../src/admin/credentials.js';
import { policyGuard } from '../../src/admin/policy-guard.js';
import { createSignInLimiter } from '../../src/admin/sign-in-limiter.js';
import { silentLog } from '../../src/logging/log.js';
import { SCOPES } from '../../src/policy/actions.js';
import { startHarness, type Harness } from '../support/harness.js';

const WINDOW_MS = 15 * 60_000;

/** The real people store and audit log; the sign-in routes with the production limiter on an injected clock. */
describe('sign-in: failed attempts are limited per IP and per token prefix, and every sign-in is audited', () => {
  let h: Harness;
  let app: FastifyInstance;
  let clock = Date.parse('2026-12-07T12:00:00Z');
  const tokens = { ada: '', bob: '' };

  beforeAll(async () => {
    h = await startHarness();
    for (const name of ['ada', 'bob'] as const) {
      const m = h.people.members.add({ name, email: `${name}@example.com`, role: 'owner', startDate: '2020-01-01' });
      tokens[name] = h.people.tokens.create({ memberId: m.id, name: 'browser', scopes: [...SCOPES], expiresAt: new Date(Date.now() + 86_400_000), createdBy: 'bootstrap' }).token;
    }
    const now = () => clock;
    app = buildAdminApp({
      routes: [],
      guard: policyGuard(h.people, silentLog),
      readiness: async () => ({}),
      unguarded: [(a) => registerSessionRoutes(a, adminAuth(h.people), createSessionStore({ now }), now, { audit: signInAudit(h.people, silentLog), limiter: createSignInLimiter({ now }) })],
      limits: { maxConnections: 10, headersTimeoutMs: 5000, requestTimeoutMs: 5000, keepAliveTimeoutMs: 5000 },
      retryAfterSeconds: 1,
      log: silentLog,
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await h?.dispose();
  });

  const signIn = (token: string, ip: string) => app.inject({ method: 'POST', url: '/auth/session', remoteAddress: ip, headers: { 'x-touchline-request': '1' }, payload: { token } });
  const audit = () => h.people.audit.query({ limit: 1000 }).filter((r) => r.action.startsWith('auth.'));

  it('the 10th bad attempt from one IP gets 429 with Retry-After; that IP waits even with a good token, another IP signs in', async () => {
    for (let i = 1; i <= 9; i++) expect((await signIn(`guess-${i}-${'x'.repeat(30)}`, '203.0.113.7')).statusCode, `attempt ${i}`).toBe(401);
    const tenth = await signIn('guess-10', '203.0.113.7');
    expect(tenth.statusCode).toBe(429);
    expect(tenth.headers['retry-after']).toBe(String(WINDOW_MS / 1000));
    expect(tenth.json().message).toContain('too many failed sign-ins');
    // Past the limit the token is not even checked: a good one from the same address waits too.
    clock += 60_000;
    const good = await signIn(tokens.ada, '203.0.113.7');
    expect(good.statusCode).toBe(429);
    expect(Number(good.headers['retry-after'])).toBe(WINDOW_MS / 1000 - 60);
    const elsewhere = await signIn(tokens.ada, '198.51.100.2');
    expect(elsewhere.statusCode).toBe(200);
    expect(String(elsewhere.headers['set-cookie'])).toMatch(/^tl_session=/);
    // Once the first failures leave the window, the address may try again.
    clock += WINDOW_MS;
    expect((await signIn(tokens.ada, '203.0.113.7')).statusCode).toBe(200);
  });

  it("many addresses guessing one member's token are stopped by its prefix; other members are not", async () => {
    const prefix = tokens.bob.slice(0, 'tl_pat_'.length + 16);
    const statuses: number[] = [];
    for (let i = 1; i <= 10; i++) statuses.push((await signIn(`${prefix}_${String(i).padStart(43, 'A')}`, `192.0.2.${i}`)).statusCode);
    expect(statuses).toEqual([...Array(9).fill(401), 429]);
    // The prefix is locked for the window, Bob's own token included (he can still use the CLI's Bearer token).
    expect((await signIn(tokens.bob, '192.0.2.200')).statusCode).toBe(429);
    expect((await signIn(tokens.ada, '192.0.2.201')).statusCode).toBe(200);
    clock += WINDOW_MS + 1000;
    expect((await signIn(tokens.bob, '192.0.2.200')).statusCode).toBe(200);
  });

  it('every sign-in (allowed, refused, rate limited) and sign-out is on the audit log, with no token in it', async () => {
    const res = await signIn(tokens.ada, '198.51.100.9');
    const id = /tl_session=([^;]*)/.exec(String(res.headers['set-cookie']))![1]!;
    expect((await app.inject({ method: 'DELETE', url: '/auth/session', remoteAddress: '198.51.100.9', headers: { cookie: `tl_session=${id}`, 'x-touchline-request': '1' } })).statusCode).toBe(200);
    const records = audit();
    const count = (action: string, status: number) => records.filter((r) => r.action === action && r.status === status).length;
    expect(count('auth.sign-in', 401)).toBe(18);
    expect(count('auth.sign-in', 429)).toBe(4);
    expect(count('auth.sign-in', 200)).toBe(5);
    expect(count('auth.sign-out', 200)).toBe(1);
    const last = records.filter((r) => r.action === 'auth.sign-out')[0]!;
    expect(last).toMatchObject({ outcome: 'allowed', ip: '198.51.100.9', actor: { type: 'member', label: 'ada@example.com' } });
    const refused = records.find((r) => r.action === 'auth.sign-in' && r.status === 429 && r.target !== null)!;
    expect(refused).toMatchObject({ outcome: 'denied', rule: 'authentication', actor: { type: 'anonymous' }, target: `token ${tokens.bob.slice(7, 23)}` });
    // Neither a token's secret nor a guess is kept: only a personal token's public id.
    const text = JSON.stringify(records);
    for (const t of [tokens.ada, tokens.bob]) expect(text).not.toContain(t.slice(24));
    expect(text).not.toContain('guess-');
    expect(text).not.toContain('AAAAAAAA');
  });
});
