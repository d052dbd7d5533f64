import { mkdir } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, skipReason } from '../../../tracker/test/support/browser.js';
import { buildAdminApp } from '../../src/admin/admin-app.js';
import { ADMIN_ACTIONS, type AdminAction } from '../../src/admin/admin-route.js';
import { attributionRoutes } from '../../src/admin/attribution-routes.js';
import { pipelineRoutes } from '../../src/admin/pipeline-routes.js';
import { createSessionStore, credentialsGuard, registerSessionRoutes, type Credentials } from '../../src/admin/credentials.js';
import { dashboardRoutes } from '../../src/dashboard/dashboard-routes.js';
import { createLiveTap } from '../../src/dashboard/live-tap.js';
import { loadDashboardAssets, registerDashboardAssets } from '../../src/dashboard/static-assets.js';
import { listen } from '../../src/http/http-app.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ARTIFACTS } from './support/demo-harness.js';

/** What the people work's policy will decide; here a table: a viewer may read the overview, nothing else. */
const PEOPLE: Record<string, { name: string; actions: readonly AdminAction[] }> = {
  'tl_pat_viewer_0000000000000000000000': { name: 'viewer', actions: ['dashboard.read'] },
  'tl_pat_admin_00000000000000000000000': { name: 'admin', actions: ADMIN_ACTIONS },
};
const credentials: Credentials = {
  authenticate: (t) => (PEOPLE[t] ? { kind: 'admin-token', name: PEOPLE[t].name } : undefined),
  allowedActions: (a) => Object.values(PEOPLE).find((p) => p.name === a.name)?.actions ?? [],
};

describe.skipIf(skipReason)('the dashboard shows a role only what /auth/me allows (Chromium)', () => {
  let h: Harness;
  let app: FastifyInstance;
  let url: string;
  let browser: Browser;
  beforeAll(async () => {
    h = await startHarness();
    const assets = await loadDashboardAssets();
    app = buildAdminApp({
      routes: [
        ...pipelineRoutes({ warehouse: h.warehouse, sources: h.sources, spool: h.spool, loader: h.loader, startedAt: new Date() }),
        ...attributionRoutes(async () => ({ ran: true })),
        ...dashboardRoutes({ warehouse: h.warehouse, config: { attribution: h.derived.sql } as never, now: () => new Date(), live: createLiveTap(), rollups: { enabled: true }, model: h.derived.sql }),
      ],
      guard: credentialsGuard(credentials),
      unguarded: [(a) => registerSessionRoutes(a, credentials, createSessionStore()), (a) => registerDashboardAssets(a, assets)],
      limits: { maxConnections: 20, headersTimeoutMs: 5000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5000 },
      retryAfterSeconds: 1,
      log: () => undefined,
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

  it('a viewer sees the Overview only, no admin page, and the API refuses the rest from their browser', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1360, height: 900 } })).newPage();
    await page.goto(`${url}/`);
    await page.fill('input[name=token]', 'tl_pat_viewer_0000000000000000000000');
    await page.click('button[type=submit]');
    await page.locator('[data-testid=who]').waitFor();
    expect(await page.locator('nav a').allTextContents()).toEqual(['Overview']);
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
        (await fetch('/admin/dashboard/quality')).status,
        (await fetch('/admin/status')).status,
        (await fetch('/admin/attribute', { method: 'POST', headers: h, body: '{"models":["linear"]}' })).status,
        (await fetch('/admin/sql', { method: 'POST', headers: h, body: '{"sql":"select 1"}' })).status,
      ];
    });
    expect(statuses).toEqual([403, 403, 403, 403]);
  });

  it('an admin sees every page', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${url}/`);
    await page.fill('input[name=token]', 'tl_pat_admin_00000000000000000000000');
    await page.click('button[type=submit]');
    await page.locator('[data-testid=who]').waitFor();
    expect(await page.locator('nav a').allTextContents()).toEqual(['Overview', 'Attribution', 'Journeys', 'Live events', 'Data quality', 'Activation']);
  });
});
