import { mkdir } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, skipReason } from '../../../tracker/test/support/browser.js';
import { buildAdminApp } from '../../src/admin/admin-app.js';
import { attributionRoutes } from '../../src/admin/attribution-routes.js';
import { pipelineRoutes } from '../../src/admin/pipeline-routes.js';
import { adminAuth, createSessionStore, registerSessionRoutes, signInAudit } from '../../src/admin/credentials.js';
import { peopleRoutes } from '../../src/admin/people-routes.js';
import { policyGuard } from '../../src/admin/policy-guard.js';
import { silentLog } from '../../src/logging/log.js';
import { SCOPES, type Scope } from '../../src/policy/actions.js';
import { dashboardRoutes } from '../../src/dashboard/dashboard-routes.js';
import { createLiveTap } from '../../src/dashboard/live-tap.js';
import { loadDashboardAssets, registerDashboardAssets } from '../../src/dashboard/static-assets.js';
import { listen } from '../../src/http/http-app.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ARTIFACTS } from './support/demo-harness.js';

/** A member of the real people store and a token of theirs; the real policy decides what they see. */
function addMember(h: Harness, name: string, role: 'owner' | 'viewer', scopes: readonly Scope[]): string {
  const m = h.people.members.add({ name, email: `${name}@example.com`, role, startDate: '2020-01-01' });
  return h.people.tokens.create({ memberId: m.id, name: 'browser', scopes: [...scopes], expiresAt: new Date(Date.now() + 86_400_000), createdBy: 'bootstrap' }).token;
}

describe.skipIf(skipReason)('the dashboard shows a role only what /auth/me allows (Chromium)', () => {
  let h: Harness;
  let app: FastifyInstance;
  let url: string;
  let browser: Browser;
  let viewer = '';
  let owner = '';
  beforeAll(async () => {
    h = await startHarness();
    viewer = addMember(h, 'vic', 'viewer', ['read']);
    owner = addMember(h, 'ada', 'owner', SCOPES);
    const auth = adminAuth(h.people);
    const assets = await loadDashboardAssets();
    app = buildAdminApp({
      routes: [
        ...pipelineRoutes({ warehouse: h.warehouse, sources: h.sources, spool: h.spool, loader: h.loader, derived: h.derived, startedAt: new Date() }),
        ...attributionRoutes(async () => ({ ran: true })),
        ...dashboardRoutes({ warehouse: h.warehouse, config: { attribution: h.derived.sql } as never, now: () => new Date(), live: createLiveTap(), rollups: { enabled: true }, model: h.derived.sql }),
        ...peopleRoutes({ people: h.people, now: () => new Date(), rotateAdminToken: async () => Promise.reject(new Error('no admin token rotation in this test')) }),
      ],
      guard: policyGuard(h.people, silentLog),
      readiness: async () => ({}),
      unguarded: [(a) => registerSessionRoutes(a, auth, createSessionStore(), Date.now, { audit: signInAudit(h.people, silentLog) }), (a) => registerDashboardAssets(a, assets)],
      limits: { maxConnections: 20, headersTimeoutMs: 5000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5000 },
      retryAfterSeconds: 1,
      log: silentLog,
    });
    url = await listen(app, { host: '127.0.0.1', port: 0, maxConnections: 20 });
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await h?.dispose();
  });

  it('a viewer sees the reports only (Overview, Data quality, Activation read-only), and the API refuses the rest from their browser', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1360, height: 900 } })).newPage();
    await page.goto(`${url}/`);
    await page.fill('input[name=token]', viewer);
    await page.click('button[type=submit]');
    await page.locator('[data-testid=who]').waitFor();
    expect(await page.locator('nav a').allTextContents()).toEqual(['Overview', 'Data quality', 'Activation']);
    // An empty warehouse: the Overview says how to fill it.
    await expect.poll(() => page.locator('.empty').textContent()).toContain('npx touchline demo');
    await page.screenshot({ path: `${ARTIFACTS}viewer-empty.png`, fullPage: true });
    // Typing an admin page's address shows nothing more, and the API answers 403 from this browser.
    await page.goto(`${url}/#/attribution`);
    await page.locator('[data-testid=who]').waitFor();
    expect(await page.locator('form.filters').count()).toBe(0);
    const statuses = await page.evaluate(async () => {
      const h = { 'x-touchline-request': '1', 'content-type': 'application/json' };
      return [
        (await fetch('/admin/dashboard/journey?userId=u1')).status,
        (await fetch('/admin/dashboard/live')).status,
        (await fetch('/admin/attribute', { method: 'POST', headers: h, body: '{"models":["linear"]}' })).status,
        (await fetch('/admin/sql', { method: 'POST', headers: h, body: '{"sql":"select 1"}' })).status,
        (await fetch('/admin/members')).status,
        (await fetch('/admin/audit')).status,
        (await fetch('/admin/members', { method: 'POST', headers: h, body: '{"name":"Eve","email":"eve@example.com","role":"owner"}' })).status,
        (await fetch('/admin/members/ada@example.com/disable', { method: 'POST', headers: h, body: '{}' })).status,
      ];
    });
    expect(statuses).toEqual([403, 403, 403, 403, 403, 403, 403, 403]);
    expect(h.people.members.list().map((m) => m.email)).not.toContain('eve@example.com');
    expect(h.people.members.get('ada@example.com').disabledAt).toBeNull();
  });

  it('an admin sees every page', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${url}/`);
    await page.fill('input[name=token]', owner);
    await page.click('button[type=submit]');
    await page.locator('[data-testid=who]').waitFor();
    expect(await page.locator('nav a').allTextContents()).toEqual(['Overview', 'Attribution', 'Journeys', 'Live events', 'Data quality', 'Activation', 'Members', 'Audit log']);
  });

  it('an owner manages members and tokens on the Members page; every change lands in the control store', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1360, height: 900 } })).newPage();
    await page.goto(`${url}/#/members`);
    await page.fill('input[name=token]', owner);
    await page.click('button[type=submit]');
    const rows = page.locator('[data-testid=members] tbody tr');
    const emailsOnScreen = () => page.locator('[data-testid=members] td[data-col=email]').allTextContents();
    await expect.poll(emailsOnScreen).toEqual(h.people.members.list().map((m) => m.email));
    // Add, with a name that is markup: it shows as text.
    await page.fill('[data-testid=add-member] input[name=name]', '<img src=x onerror=alert(1)>');
    await page.fill('[data-testid=add-member] input[name=email]', 'cy@example.com');
    await page.selectOption('[data-testid=add-member] select[name=role]', 'analyst');
    await page.click('[data-testid=add-member] button[type=submit]');
    await expect.poll(() => rows.count()).toBe(3);
    const cy = () => h.people.members.get('cy@example.com');
    expect(cy()).toMatchObject({ role: 'analyst', name: '<img src=x onerror=alert(1)>', disabledAt: null });
    expect(await page.locator('[data-testid=members] img').count()).toBe(0);
    // A new role.
    await page.selectOption('select[name=member]', 'cy@example.com');
    await page.selectOption('select[name=new-role]', 'marketer');
    await page.click('[data-testid=set-role]');
    await expect.poll(() => cy().role).toBe('marketer');
    await expect.poll(() => page.locator('[data-testid=members] td[data-col=role]').allTextContents()).toEqual(h.people.members.list().map((m) => m.role));
    // A token, shown once, that works; then revoked.
    await page.click('[data-testid=token-form] button[type=submit]');
    const shown = (await page.locator('[data-testid=new-token] code').textContent({ timeout: 10_000 })) ?? '';
    expect(h.people.authenticate(shown).actor).toMatchObject({ kind: 'member', member: { email: 'cy@example.com' } });
    const [token] = h.people.tokens.list(cy().id);
    expect(token).toMatchObject({ scopes: ['read'], revokedAt: null });
    await expect.poll(() => page.locator('[data-testid=tokens] td[data-col=id]').allTextContents()).toEqual([token!.id]);
    await page.screenshot({ path: `${ARTIFACTS}members.png`, fullPage: true });
    await page.click(`[data-testid=revoke-${token!.id}]`);
    await expect.poll(() => h.people.tokens.list(cy().id)[0]?.revokedAt ?? null).not.toBeNull();
    expect(h.people.authenticate(shown).actor).toBeNull();
    // Disabled.
    await page.click('[data-testid=disable]');
    await expect.poll(() => cy().disabledAt).not.toBeNull();
    await expect.poll(() => page.locator('[data-testid=members] td[data-col=disabledAt]').allTextContents()).toEqual(h.people.members.list().map((m) => m.disabledAt ?? ''));
  });

  it("the Audit log page shows the control store's records, and its filters are the server's", async () => {
    const page = await (await browser.newContext({ viewport: { width: 1360, height: 900 } })).newPage();
    await page.goto(`${url}/#/audit`);
    await page.fill('input[name=token]', owner);
    await page.click('button[type=submit]');
    const seqs = () => page.locator('[data-testid=audit] td[data-col=seq]').allTextContents();
    // The page's own read is recorded as it is answered: compare with the records up to it.
    await page.locator('[data-testid=audit] tbody tr').first().waitFor();
    const shown = (await seqs()).map(Number);
    const stored = h.people.audit.query({ limit: 200 }).map((r) => r.seq).filter((seq) => seq <= Math.max(...shown));
    expect(shown).toEqual(stored);
    expect(await page.locator('[data-testid=audit] td[data-col=action]').allTextContents()).toContain('auth.sign-in');
    await page.fill('[data-testid=audit-filters] input[name=action]', 'members.set-role');
    await page.click('[data-testid=audit-filters] button[type=submit]');
    const setRole = h.people.audit.query({ action: 'members.set-role' });
    expect(setRole).toHaveLength(1);
    await expect.poll(seqs).toEqual(setRole.map((r) => String(r.seq)));
    expect(await page.locator('[data-testid=audit] td[data-col=target]').allTextContents()).toEqual([`member ${h.people.members.get('cy@example.com').id}`]);
    await page.fill('[data-testid=audit-filters] input[name=action]', '');
    await page.fill('[data-testid=audit-filters] input[name=member]', 'vic@example.com');
    await page.click('[data-testid=audit-filters] button[type=submit]');
    const vic = h.people.audit.query({ member: 'vic@example.com', limit: 200 });
    expect(vic.some((r) => r.outcome === 'denied')).toBe(true);
    await expect.poll(seqs).toEqual(vic.map((r) => String(r.seq)));
    await page.screenshot({ path: `${ARTIFACTS}audit.png`, fullPage: true });
  });
});
