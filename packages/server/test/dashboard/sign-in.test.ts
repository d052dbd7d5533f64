import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAdminApp } from '../../src/admin/admin-app.js';
import { ADMIN_ACTIONS } from '../../src/admin/admin-route.js';
import { attributionRoutes } from '../../src/admin/attribution-routes.js';
import { pipelineRoutes } from '../../src/admin/pipeline-routes.js';
import { adminAuth, createSessionStore, registerSessionRoutes } from '../../src/admin/credentials.js';
import { policyGuard } from '../../src/admin/policy-guard.js';
import { createSignInLimiter } from '../../src/admin/sign-in-limiter.js';
import { silentLog } from '../../src/logging/log.js';
import { SCOPES, type Scope } from '../../src/policy/actions.js';
import { dashboardRoutes } from '../../src/dashboard/dashboard-routes.js';
import { createLiveTap } from '../../src/dashboard/live-tap.js';
import { loadDashboardAssets, registerDashboardAssets } from '../../src/dashboard/static-assets.js';
import { SPECIAL_TEXT } from '../support/hostile-text.js';
import { startHarness, type Harness } from '../support/harness.js';

/**
 * Three members of the real people store, their tokens decided by the real policy: an owner, a
 * viewer (reports only, through a read-scoped token), and a member whose last day has passed (no
 * rights at all).
 */
let ADMIN = '';
let VIEWER = '';
let NOBODY = '';
/** What the policy gives a viewer through a `read` token, written out (docs/governance.md). */
const VIEWER_ACTIONS = ['status.read', 'sources.list', 'syncs.list', 'syncs.read', 'destinations.list', 'dashboard.read', 'quality.read', 'plans.read', 'me.read', 'tokens.list'];

function addMember(h: Harness, name: string, role: 'owner' | 'viewer', scopes: readonly Scope[], endDate?: string): string {
  const m = h.people.members.add({ name, email: `${name}@example.com`, role, startDate: '2020-01-01', ...(endDate ? { endDate } : {}) });
  return h.people.tokens.create({ memberId: m.id, name: 'browser', scopes: [...scopes], expiresAt: new Date(Date.now() + 86_400_000), createdBy: 'bootstrap' }).token;
}

describe('dashboard sign-in, sessions and the guard', () => {
  let h: Harness;
  let app: FastifyInstance;
  let clock = Date.parse('2026-12-07T12:00:00Z');

  beforeAll(async () => {
    h = await startHarness();
    ADMIN = addMember(h, 'ada', 'owner', SCOPES);
    VIEWER = addMember(h, 'vic', 'viewer', ['read']);
    NOBODY = addMember(h, 'nob', 'viewer', ['read'], '2021-01-01');
    const auth = adminAuth(h.people);
    const sessions = createSessionStore({ now: () => clock, ttlMs: 3600_000 });
    app = buildAdminApp({
      routes: [
        ...pipelineRoutes({ warehouse: h.warehouse, sources: h.sources, spool: h.spool, loader: h.loader, derived: h.derived, startedAt: new Date() }),
        ...attributionRoutes(async () => ({ ran: true })),
        ...dashboardRoutes({ warehouse: h.warehouse, config: { attribution: { conversions: [{ name: 'Purchase', events: ['Order Completed'] }], lookbackDays: 90, direct: 'ignore' } } as never, now: () => new Date(clock), live: createLiveTap(), rollups: { enabled: true }, model: h.derived.sql }),
      ],
      guard: policyGuard(h.people, silentLog),
      readiness: async () => ({}),
      // The failed sign-in limits have their own test (sign-in-limits.test.ts): here dozens of hostile
      // tokens built on the admin's own prefix probe the token check itself, so the limit is set past them.
      unguarded: [(a) => registerSessionRoutes(a, auth, sessions, () => clock, { limiter: createSignInLimiter({ now: () => clock, maxFailures: 1000 }) }), (a) => registerDashboardAssets(a, undefined)],
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

  const signIn = async (token: string) => {
    const res = await app.inject({ method: 'POST', url: '/auth/session', headers: { 'x-touchline-request': '1' }, payload: { token } });
    const cookie = String(res.headers['set-cookie'] ?? '');
    return { res, cookie, id: /tl_session=([^;]*)/.exec(cookie)?.[1] ?? '' };
  };
  const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });

  it('without a credential every data route answers 401, and /auth/me says nobody is signed in', async () => {
    for (const url of ['/admin/dashboard/overview', '/admin/dashboard/quality', '/admin/dashboard/settings', '/admin/status', '/auth/me']) {
      expect((await get(url)).statusCode, url).toBe(401);
    }
    expect((await app.inject({ method: 'POST', url: '/admin/attribute', payload: {} })).statusCode).toBe(401);
  });

  it('signing in sets an HttpOnly, SameSite=Strict cookie holding a random id, not the token', async () => {
    const { res, cookie, id } = await signIn(ADMIN);
    expect(res.statusCode).toBe(200);
    expect(cookie).toMatch(/^tl_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=3600$/);
    expect(cookie).not.toContain(ADMIN);
    const me = await get('/auth/me', { cookie: `tl_session=${id}` });
    expect(me.json()).toMatchObject({ actor: { name: 'ada' }, via: 'session' });
    expect(me.json().actions).toEqual([...ADMIN_ACTIONS]);
  });

  it('behind the TLS proxy (X-Forwarded-Proto: https) the cookie is Secure too', async () => {
    const res = await app.inject({ method: 'POST', url: '/auth/session', headers: { 'x-touchline-request': '1', 'x-forwarded-proto': 'https' }, payload: { token: ADMIN } });
    expect(String(res.headers['set-cookie'])).toMatch(/; HttpOnly; SameSite=Strict; Max-Age=3600; Secure$/);
  });

  it('an unknown or hostile token signs nobody in and sets no cookie', async () => {
    // Surrounding whitespace is trimmed on purpose (a pasted token often ends in a newline); anything else is another token.
    const suffixed = SPECIAL_TEXT.filter((s) => s.trim() !== '').map((s) => `${ADMIN}${s}`);
    for (const token of ['tl_pat_guess', `${ADMIN} `.repeat(2), ...suffixed, `${ADMIN.slice(0, -1)}\0`, 'x'.repeat(200_000)]) {
      const { res, cookie } = await signIn(token);
      expect([400, 401], JSON.stringify(token).slice(0, 40)).toContain(res.statusCode);
      expect(cookie).toBe('');
    }
    expect((await signIn(`\n${ADMIN}\r\n`)).res.statusCode).toBe(200);
    const noHeader = await app.inject({ method: 'POST', url: '/auth/session', payload: { token: ADMIN } });
    expect(noHeader.statusCode).toBe(403);
    expect(noHeader.headers['set-cookie']).toBeUndefined();
  });

  it('a viewer sees only what the policy lists, through /auth/me and through the API', async () => {
    const { id } = await signIn(VIEWER);
    const cookie = { cookie: `tl_session=${id}` };
    expect([...(await get('/auth/me', cookie)).json().actions].sort()).toEqual([...VIEWER_ACTIONS].sort());
    expect((await get('/admin/dashboard/overview', cookie)).statusCode).toBe(200);
    expect((await get('/admin/dashboard/quality', cookie)).statusCode).toBe(200);
    // One person's journey and the live events carry personal data: analysts and up.
    expect((await get('/admin/dashboard/journey?userId=u1', cookie)).statusCode).toBe(403);
    expect((await get('/admin/dashboard/live', cookie)).statusCode).toBe(403);
    const attribute = await app.inject({ method: 'POST', url: '/admin/attribute', headers: { ...cookie, 'x-touchline-request': '1' }, payload: { models: ['linear'] } });
    expect(attribute.statusCode).toBe(403);
    const sql = await app.inject({ method: 'POST', url: '/admin/sql', headers: { authorization: `Bearer ${VIEWER}` }, payload: { sql: 'select 1' } });
    expect(sql.statusCode).toBe(403);
  });

  it('the live view streams to an EventSource and answers a plain GET with the buffered events', async () => {
    const plain = await app.inject({ method: 'GET', url: '/admin/dashboard/live', headers: { authorization: `Bearer ${ADMIN}` } });
    expect([plain.statusCode, plain.headers['content-type']]).toEqual([200, 'application/json; charset=utf-8']);
    expect(plain.json()).toEqual({ events: [], skipped: 0 });
  });

  it('a member with no rights gets nothing at all', async () => {
    const { id } = await signIn(NOBODY);
    expect((await get('/auth/me', { cookie: `tl_session=${id}` })).json().actions).toEqual([]);
    for (const url of ['/admin/dashboard/overview', '/admin/dashboard/settings', '/admin/status']) {
      expect((await get(url, { cookie: `tl_session=${id}` })).statusCode, url).toBe(403);
      expect((await get(url, { authorization: `Bearer ${NOBODY}` })).statusCode, url).toBe(403);
    }
  });

  it('a cookie-signed change without the CSRF header is refused before the route runs', async () => {
    const { id } = await signIn(ADMIN);
    const post = (headers: Record<string, string>) => app.inject({ method: 'POST', url: '/admin/attribute', headers: { cookie: `tl_session=${id}`, ...headers }, payload: { models: ['linear'] } });
    const forged = await post({});
    expect(forged.statusCode).toBe(403);
    expect(forged.json().message).toContain('x-touchline-request');
    expect((await post({ 'x-touchline-request': '1' })).json()).toEqual({ ran: true });
    const signOut = await app.inject({ method: 'DELETE', url: '/auth/session', headers: { cookie: `tl_session=${id}` } });
    expect(signOut.statusCode).toBe(403);
  });

  it('a Bearer token wins over a cookie: a viewer cannot borrow an admin session sitting in the browser', async () => {
    const { id } = await signIn(ADMIN);
    const res = await get('/admin/dashboard/journey?userId=u1', { cookie: `tl_session=${id}`, authorization: `Bearer ${VIEWER}` });
    expect(res.statusCode).toBe(403);
    expect((await get('/admin/dashboard/journey?userId=u1', { cookie: `tl_session=${id}` })).statusCode).not.toBe(403);
  });

  it('forged, replayed-after-sign-out and expired sessions open nothing', async () => {
    expect((await get('/auth/me', { cookie: 'tl_session=' + 'A'.repeat(43) })).statusCode).toBe(401);
    expect((await get('/auth/me', { cookie: `tl_session=${ADMIN}` })).statusCode).toBe(401);
    const a = await signIn(ADMIN);
    const out = await app.inject({ method: 'DELETE', url: '/auth/session', headers: { cookie: `tl_session=${a.id}`, 'x-touchline-request': '1' } });
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await get('/auth/me', { cookie: `tl_session=${a.id}` })).statusCode).toBe(401);
    const b = await signIn(ADMIN);
    expect((await get('/auth/me', { cookie: `tl_session=${b.id}` })).statusCode).toBe(200);
    clock += 3600_000;
    expect((await get('/auth/me', { cookie: `tl_session=${b.id}` })).statusCode).toBe(401);
  });

  it('dashboard ranges refuse anything but days, naming the parameter', async () => {
    for (const [q, key] of [
      ["since=2026-01-01'%3B%20DROP%20TABLE%20events", 'since'],
      ['until=tomorrow', 'until'],
      ['since=2026-02-01&until=2026-01-01', 'since'],
      ['since=1900-01-01&until=2026-01-01', 'since / until'],
    ] as const) {
      const res = await get(`/admin/dashboard/overview?${q}`, { authorization: `Bearer ${ADMIN}` });
      expect(res.statusCode, q).toBe(400);
      expect(res.json().message, q).toContain(key);
    }
    expect((await h.sql('SELECT count(*) AS n FROM events'))[0]).toEqual({ n: 0 });
  });

  it('without a build, / says how to make one; the assets route serves no path from the URL', async () => {
    const res = await get('/');
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    for (const url of ['/assets/..%2Fpackage.json', '/assets/%2e%2e%2f%2e%2e%2fpackage.json', '/assets/app.js']) expect((await get(url)).statusCode, url).toBe(404);
  });
});

describe('the built dashboard as served', () => {
  it('index.html loads only hashed same-origin files, with no inline script or style; assets are immutable', async () => {
    const assets = await loadDashboardAssets();
    expect(assets, 'packages/dashboard/dist: run npm run build').toBeDefined();
    const html = assets!.index.toString('utf8');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!).filter((r) => r !== 'data:,');
    expect(refs.length).toBe(2);
    for (const r of refs) expect(r).toMatch(/^\/assets\/app-[A-Z0-9]{8}\.(js|css)$/);
    const app = buildAdminApp({
      routes: [],
      guard: { authenticate: () => undefined, authorize: () => undefined, record: () => undefined },
      readiness: async () => ({}),
      unguarded: [(a) => registerDashboardAssets(a, assets)],
      limits: { maxConnections: 10, headersTimeoutMs: 5000, requestTimeoutMs: 5000, keepAliveTimeoutMs: 5000 },
      retryAfterSeconds: 1,
      log: silentLog,
    });
    for (const r of refs) {
      const res = await app.inject({ method: 'GET', url: r });
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    }
    const index = await app.inject({ method: 'GET', url: '/' });
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(index.headers['content-security-policy']).toMatch(/script-src 'self';/);
    await app.close();
  });
});
