import { mkdir } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, skipReason } from '../../../tracker/test/support/browser.js';
import { buildAdminApp } from '../../src/admin/admin-app.js';
import { attributionRoutes } from '../../src/admin/attribution-routes.js';
import { pipelineRoutes } from '../../src/admin/pipeline-routes.js';
import { adminAuth, createSessionStore, registerSessionRoutes } from '../../src/admin/credentials.js';
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
      ],
      guard: policyGuard(h.people, silentLog),
      readiness: async () => ({}),
      unguarded: [(a) => registerSessionRoutes(a, auth, createSessionStore()), (a) => registerDashboardAssets(a, assets)],
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
      ];
    });
    expect(statuses).toEqual([403, 403, 403, 403]);
  });

  it('an admin sees every page', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${url}/`);
    await page.fill('input[name=token]', owner);
    await page.click('button[type=submit]');
    await page.locator('[data-testid=who]').waitFor();
    expect(await page.locator('nav a').allTextContents()).toEqual(['Overview', 'Attribution', 'Journeys', 'Live events', 'Data quality', 'Activation']);
  });
});
