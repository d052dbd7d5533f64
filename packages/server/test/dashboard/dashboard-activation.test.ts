import { startHubspotStandIn, type HubspotStandIn } from '@touchline/destinations/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, skipReason } from '../../../tracker/test/support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ARTIFACTS, loadDemoOverHttp } from './support/demo-harness.js';

const ADMIN_TOKEN = 'dashboard-activation-admin-token-0123';

describe.skipIf(skipReason)('the Activation page and a journey’s syncs, in Chromium', () => {
  let hubspot: HubspotStandIn;
  let h: Harness;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    hubspot = await startHubspotStandIn();
    // The demo's buyers' e-mail addresses to a CRM (HubSpot's contract, a stand-in).
    h = await startHarness(
      {
        adminToken: ADMIN_TOKEN,
        // The page shows a run the admin token starts itself; the two-person rule on a sync's first real run is tested in test/approvals/.
        policy: { approvals: { firstRealRun: false } },
        destinations: { crm: { type: 'hubspot', config: { endpoint: hubspot.url, accessToken: 'test-token', properties: { orders: 'feature_x_uses' } } } },
        syncs: {
          buyers: {
            destination: 'crm',
            source: { sql: `SELECT traits->>'email' AS email, count(*) AS orders FROM events WHERE type = 'identify' AND (traits->>'email') IS NOT NULL GROUP BY 1` },
            primaryKey: 'email',
            mode: 'upsert',
          },
        },
      },
      { listen: true },
    );
    await loadDemoOverHttp(h, { people: 120, now: Date.now() });
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1360, height: 900 } })).newPage();
    await page.goto(`${h.adminUrl}/`);
    await page.fill('input[name=token]', ADMIN_TOKEN);
    await page.click('button[type=submit]');
    await page.locator('[data-testid=who]').waitFor();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await h?.dispose();
    await hubspot?.close();
  });

  const admin = (method: 'GET' | 'POST', url: string, payload?: object) =>
    h.adminApp.inject({ method, url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, ...(payload ? { payload } : {}) });

  it('a dry run shows the diff a run would send: every buyer SQL finds, to add', async () => {
    const [{ n }] = (await h.sql(`SELECT count(DISTINCT traits->>'email') AS n FROM events WHERE type = 'identify'`)) as [{ n: number }];
    await page.click('nav a[href="#/activation"]');
    await page.selectOption('select[name=sync]', 'buyers');
    await page.click('[data-testid=dry-run]');
    await expect.poll(() => page.locator('#dry-run-diff h3').textContent()).toBe(`Dry run: ${n.toLocaleString('en-US')} to add, 0 to change, 0 to remove`);
  });

  it('after a run: its runs, and its per-row results as sync_row_results holds them', async () => {
    const started = await admin('POST', '/admin/syncs/buyers/runs', {});
    const { runId } = started.json() as { runId: string };
    let status = '';
    for (let i = 0; i < 400 && !['succeeded', 'failed'].includes(status); i++) {
      status = (await admin('GET', `/admin/syncs/buyers/runs/${runId}`)).json().run.status;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(status).toBe('succeeded');
    await page.reload();
    await page.locator('select[name=sync]').waitFor();
    await page.selectOption('select[name=sync]', 'buyers');
    await page.locator('[data-testid=runs] tbody tr').first().waitFor();
    expect(await page.locator('[data-testid=runs] td[data-col=runId]').allTextContents()).toEqual([runId]);
    const [{ delivered }] = (await h.sql(`SELECT count(*) AS delivered FROM sync_row_results WHERE run_id = '${runId}' AND status = 'delivered'`)) as [{ delivered: number }];
    expect(delivered).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=runs] td[data-col=delivered]').textContent()).toBe(String(delivered));
    await page.selectOption('select[name=run]', runId);
    await page.locator('[data-testid=row-results]').waitFor();
    const [{ n }] = (await h.sql(`SELECT count(*) AS n FROM sync_row_results WHERE run_id = '${runId}'`)) as [{ n: number }];
    expect(n).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=row-results] tbody tr').count()).toBe(Math.min(n, 500));
    await page.screenshot({ path: `${ARTIFACTS}activation-run.png`, fullPage: true });
  });

  it('a journey lists what was synced for that person', async () => {
    const [{ email }] = (await h.sql(`SELECT min(traits->>'email') AS email FROM events WHERE type = 'identify'`)) as [{ email: string }];
    await page.click('nav a[href="#/journeys"]');
    await page.fill('input[name=q]', email);
    await page.click('form.filters button[type=submit]');
    await page.locator('[data-testid=journey-synced] tbody tr').first().waitFor();
    expect(await page.locator('[data-testid=journey-synced] td[data-col=sync_name]').allTextContents()).toContain('buyers');
  });
});
