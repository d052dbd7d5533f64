import { mkdir, readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, skipReason } from '../../../tracker/test/support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ARTIFACTS, loadDemoOverHttp } from './support/demo-harness.js';

const DAY = 86_400_000;
const ADMIN_TOKEN = 'dashboard-test-admin-token-0123456789';

/** Reads a number as the dashboard prints it ("1,234", "37,077.08", "12.5%"). */
const numberOf = (text: string | null) => Number((text ?? '').replace(/[,%\s]/g, ''));

describe.skipIf(skipReason)('the dashboard in Chromium, on the demo shop', () => {
  let h: Harness;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** The default range: the 90 UTC days that end today. */
  let since: string;

  beforeAll(async () => {
    h = await startHarness({ adminToken: ADMIN_TOKEN }, { listen: true });
    const now = Date.now();
    since = new Date((Math.floor(now / DAY) + 1) * DAY - 90 * DAY).toISOString();
    const loaded = await loadDemoOverHttp(h, { now, spend: true });
    expect(loaded.accepted).toBeGreaterThan(1000);
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await h?.dispose();
  });

  const sqlOne = async (q: string) => Object.values((await h.sql(q))[0] ?? {}).map(Number);
  const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });

  it('a signed-out browser gets the sign-in page and no data; a wrong token is refused', async () => {
    context = await browser.newContext({ viewport: { width: 1360, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && !/401/.test(m.text()) && errors.push(m.text()));
    await page.goto(`${h.adminUrl}/`);
    await page.locator('input[name=token]').waitFor();
    const status = await page.evaluate(async () => (await fetch('/admin/dashboard/overview')).status);
    expect(status).toBe(401);
    await page.fill('input[name=token]', 'not-the-token-but-long-enough');
    await page.click('button[type=submit]');
    await expect.poll(() => page.locator('[role=alert]').textContent()).toContain('not known');
    expect((await context.cookies()).filter((c) => c.name === 'tl_session')).toEqual([]);
    await shot('sign-in');
    expect(errors).toEqual([]);
  });

  it('signs in with the token: an HttpOnly, SameSite=Strict session cookie, and the Overview', async () => {
    await page.fill('input[name=token]', ADMIN_TOKEN);
    await page.click('button[type=submit]');
    await page.locator('[data-testid=tile-events]').waitFor();
    const cookie = (await context.cookies()).find((c) => c.name === 'tl_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(cookie?.value).not.toContain(ADMIN_TOKEN);
    expect(await page.locator('[data-testid=who]').textContent()).toBe('admin token');
  });

  it('Overview: every tile equals SQL over the raw events', async () => {
    const tile = async (id: string) => numberOf(await page.locator(`[data-testid=${id}] .tile-value`).textContent());
    const [events, visitors] = await sqlOne(`SELECT count(*), count(DISTINCT anonymous_id) FROM events WHERE "timestamp" >= '${since}'`);
    const [orders, revenue] = await sqlOne(
      `SELECT count(*), sum(CAST(properties->>'revenue' AS DOUBLE)) FROM events WHERE type = 'track' AND event = 'Order Completed' AND "timestamp" >= '${since}'`,
    );
    const [failed] = await sqlOne(`SELECT count(*) FROM failed_events`);
    expect(events).toBeGreaterThan(0);
    expect(await tile('tile-events')).toBe(events);
    expect(await tile('tile-visitors')).toBe(visitors);
    expect(await tile('tile-conversions')).toBe(orders);
    expect(await tile('tile-revenue')).toBeCloseTo(revenue!, 2);
    expect(await tile('tile-failed')).toBe(failed);
    expect(failed).toBeGreaterThan(0);
    // Health against the sessions view (one row per session, derived from the events).
    const [sessions, clicks, touched] = await sqlOne(
      `SELECT count(*), count(*) FILTER (WHERE click_id IS NOT NULL AND click_id <> ''), count(*) FILTER (WHERE kind <> 'direct') FROM sessions WHERE started_at >= '${since}'`,
    );
    const hint = async (id: string) => page.locator(`[data-testid=${id}] .tile-hint`).textContent();
    expect(await hint('health-click')).toBe(`${clicks!.toLocaleString('en-US')} of ${sessions!.toLocaleString('en-US')} sessions`);
    expect(await hint('health-touch')).toBe(`${touched!.toLocaleString('en-US')} of ${sessions!.toLocaleString('en-US')} sessions`);
    // Attributable: conversion events the collector stamped with an earlier marketing touch.
    const [attributable] = await sqlOne(
      `SELECT count(*) FROM events WHERE type = 'track' AND event = 'Order Completed' AND first_touch_at <= "timestamp" AND "timestamp" >= '${since}'`,
    );
    expect(attributable).toBeGreaterThan(0);
    expect(await hint('health-attributable')).toBe(`${attributable!.toLocaleString('en-US')} of ${orders!.toLocaleString('en-US')} conversions had a touch before`);
    // Landings by capture: the tracker's and the server helper's page views, per the events' library.
    const [tracker] = await sqlOne(`SELECT count(*) FROM events WHERE type = 'page' AND library_name = '@touchline/tracker' AND "timestamp" >= '${since}'`);
    const trackerRow = page.locator('[data-testid=arrivals] tr', { hasText: '@touchline/tracker' });
    expect(numberOf(await trackerRow.locator('td[data-col=arrivals]').textContent())).toBe(tracker);
    await page.locator('canvas').first().waitFor();
    await shot('overview');
  });

  it('Overview: the date range filter re-reads every tile for those days (until inclusive)', async () => {
    const today = Math.floor(Date.now() / DAY);
    const day = (d: number) => new Date(d * DAY).toISOString().slice(0, 10);
    const [from, to] = [day(today - 20), day(today - 10)];
    await page.fill('input[name=since]', from);
    await page.fill('input[name=until]', to);
    await expect.poll(() => page.locator('h2 small').textContent()).toBe(`${from} – ${to} (UTC)`);
    const [events, orders] = await sqlOne(
      `SELECT count(*), count(*) FILTER (WHERE type = 'track' AND event = 'Order Completed') FROM events WHERE "timestamp" >= '${from}T00:00:00Z' AND "timestamp" < '${day(today - 9)}T00:00:00Z'`,
    );
    expect(events).toBeGreaterThan(0);
    await expect.poll(async () => numberOf(await page.locator('[data-testid=tile-events] .tile-value').textContent())).toBe(events);
    expect(numberOf(await page.locator('[data-testid=tile-conversions] .tile-value').textContent())).toBe(orders);
    expect(await page.locator('[data-testid=days] tbody tr').count()).toBe(11);
    // Back to the default range for the pages that follow.
    await page.fill('input[name=since]', '');
    await page.fill('input[name=until]', '');
    await expect.poll(() => page.locator('[data-testid=days] tbody tr').count()).toBe(90);
  });

  it('Attribution: totals equal SQL, every model side by side, filters re-run it, CSV has every row', async () => {
    await page.click('nav a[href="#/attribution"]');
    await page.locator('[data-testid=credits]').waitFor({ timeout: 60_000 });
    const [orders, revenue] = await sqlOne(
      `SELECT count(*), sum(CAST(properties->>'revenue' AS DOUBLE)) FROM events WHERE type = 'track' AND event = 'Order Completed' AND "timestamp" >= '${since}'`,
    );
    expect(numberOf(await page.locator('[data-testid=attr-conversions] .tile-value').textContent())).toBe(orders);
    expect(numberOf(await page.locator('[data-testid=attr-revenue] .tile-value').textContent())).toBeCloseTo(revenue!, 2);
    // Every model credits every conversion once: each model's column sums to the SQL count.
    const models = await page.locator('.model-bars .legend span').allTextContents();
    expect(models.length).toBe(11);
    for (const m of ['first_touch', 'linear', 'markov']) {
      const cells = await page.locator(`[data-testid=credits] td[data-col="${m}-conv"]`).allTextContents();
      expect(cells.reduce((s, c) => s + numberOf(c), 0)).toBeCloseTo(orders!, 0);
    }
    // First touch by channel against SQL: each buyer's earliest marketing session before the order.
    const paid = page.locator('[data-testid=credits] tr', { hasText: 'Paid Search' });
    expect(numberOf(await paid.locator('td[data-col="first_touch-conv"]').textContent())).toBeGreaterThan(0);
    await page.locator('.model-bars svg rect').first().waitFor();
    await shot('attribution');

    // Filters: the campaign level, two models.
    await page.selectOption('select[name=level]', 'campaign');
    for (const m of models.filter((x) => x !== 'first_touch' && x !== 'last_touch')) await page.uncheck(`input[name="model-${m}"]`);
    await page.click('form.filters button[type=submit]');
    await expect.poll(async () => page.locator('.model-bars .legend span').allTextContents(), { timeout: 60_000 }).toEqual(['first_touch', 'last_touch']);
    expect(await page.locator('[data-testid=credits] th').first().textContent()).toContain('Campaign');
    const campaigns = await page.locator('[data-testid=credits] td[data-col=label]').allTextContents();
    expect(campaigns).toContain('brand_search');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=credits-csv]')]);
    const csv = await readFile((await download.path())!, 'utf8');
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe(
      'Campaign,first_touch conversions,first_touch revenue,last_touch conversions,last_touch revenue,Cost (USD),first_touch CPA (USD),first_touch ROAS,last_touch CPA (USD),last_touch ROAS',
    );
    expect(lines.length - 1).toBe(campaigns.length);
    // The demo's spend (POST /admin/demo/spend): a campaign's cost on screen is its spend in SQL, joined by name.
    const [brandCost] = await sqlOne(`SELECT sum(cost_micros) / 1e6 FROM ad_spend WHERE campaign_name = 'brand_search' AND "date" >= CAST('${since}' AS DATE)`);
    expect(brandCost).toBeGreaterThan(0);
    const brand = page.locator('[data-testid=credits] tr', { hasText: 'brand_search' });
    expect(numberOf(await brand.locator('td[data-col="cost"]').textContent())).toBeCloseTo(brandCost!, 2);
    const brandLastTouch = numberOf(await brand.locator('td[data-col="last_touch-conv"]').textContent());
    if (brandLastTouch > 0) expect(numberOf(await brand.locator('td[data-col="last_touch-cpa"]').textContent())).toBeCloseTo(brandCost! / brandLastTouch, 1);
    await shot('attribution-campaigns');
  });

  it('Data quality: the refused events with their reasons, as many as SQL counts', async () => {
    await page.click('nav a[href="#/quality"]');
    await page.locator('[data-testid=failures]').waitFor();
    const [failed] = await sqlOne(`SELECT count(*) FROM failed_events`);
    expect(numberOf(await page.locator('[data-testid=quality-total]').textContent())).toBe(failed);
    const reasons = (await h.sql(`SELECT DISTINCT reason FROM failed_events`)).map((r) => String(r['reason']));
    for (const reason of reasons) await expect.poll(() => page.locator('[data-testid=failures]').textContent()).toContain(reason);
    await shot('quality');
  });

  it('Activation: the syncs page answers (none configured here)', async () => {
    await page.click('nav a[href="#/activation"]');
    await page.locator('text=No syncs are configured').waitFor();
    await shot('activation');
  });

  it('Journeys: one person across devices, found by e-mail, with the events and conversions SQL finds for their ids', async () => {
    // A buyer who used two devices: their identify calls link both anonymous ids to one user id.
    const [buyer] = await h.sql(`SELECT e.user_id, max(traits->>'email') AS email, count(DISTINCT e.anonymous_id) AS devices FROM events AS e
      WHERE e.type = 'identify' AND e.user_id IN (SELECT user_id FROM events WHERE event = 'Order Completed') GROUP BY e.user_id HAVING count(DISTINCT e.anonymous_id) = 2 ORDER BY e.user_id LIMIT 1`);
    expect(buyer, 'the demo has a two-device buyer').toBeDefined();
    const user = String(buyer!['user_id']);
    const [events, orders] = await sqlOne(`SELECT count(*), count(*) FILTER (WHERE event = 'Order Completed') FROM events
      WHERE user_id = '${user}' OR anonymous_id IN (SELECT anonymous_id FROM identities WHERE user_id = '${user}')`);
    await page.click('nav a[href="#/journeys"]');
    await page.fill('input[name=q]', String(buyer!['email']));
    await page.click('form.filters button[type=submit]');
    await page.locator('[data-testid=journey-events]').waitFor();
    expect(await page.locator('[data-testid=journey-events] tbody tr').count()).toBe(events);
    expect(numberOf(await page.locator('[data-testid=journey-conversions] .tile-value').textContent())).toBe(orders);
    expect(await page.locator('[data-testid=journey-identities] tbody tr').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('[data-testid=journey-ids] .tile-hint').textContent()).toContain(user);
    await shot('journeys');
    await page.fill('input[name=q]', "nobody'; --");
    await page.click('form.filters button[type=submit]');
    await expect.poll(() => page.locator('.page .error').textContent()).toContain('no user id');
  });

  it('Live events: what the collector receives now, accepted and refused, with the touch it read; filtered by type', async () => {
    await page.click('nav a[href="#/live"]');
    await expect.poll(() => page.locator('[data-testid=live-state]').textContent()).toBe('live');
    const post = (batch: unknown[]) =>
      fetch(`${h.url}/v1/batch`, { method: 'POST', headers: { authorization: h.auth, 'content-type': 'application/json' }, body: JSON.stringify({ batch }) });
    const url = 'https://shop.example/?utm_source=live_test&utm_medium=email&utm_campaign=<b>x</b>&gclid=Cj0-live';
    await post([
      { type: 'page', anonymousId: 'live-visitor', context: { page: { url } } },
      { type: 'track', anonymousId: 'live-visitor', properties: {} },
    ]);
    const rows = page.locator('[data-testid=live] tbody tr');
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(2);
    const pageRow = rows.filter({ hasText: 'live_test' });
    expect(await pageRow.locator('td[data-col=status]').textContent()).toBe('accepted');
    const touch = await pageRow.locator('td[data-col=touch]').textContent();
    expect(touch).toContain('utm_campaign=<b>x</b>');
    // the click ids are the touch's nested object: shown by their own names, not as [object Object]
    expect(touch).toContain('gclid=Cj0-live');
    expect(touch).not.toContain('[object');
    expect(await page.locator('[data-testid=live] b').count()).toBe(0);
    expect(await rows.filter({ hasText: 'rejected' }).count()).toBeGreaterThanOrEqual(1);
    await shot('live');
    await page.fill('input[name=type]', 'track');
    await page.locator('input[name=type]').blur();
    await expect.poll(async () => (await page.locator('[data-testid=live] td[data-col=type]').allTextContents()).every((t) => t === 'track')).toBe(true);
  });

  it('signing out ends the session: the old cookie opens nothing', async () => {
    const cookie = (await context.cookies()).find((c) => c.name === 'tl_session')!;
    await page.click('nav button:has-text("Sign out")');
    await page.locator('input[name=token]').waitFor();
    const res = await fetch(`${h.adminUrl}/admin/dashboard/overview`, { headers: { cookie: `tl_session=${cookie.value}` } });
    expect(res.status).toBe(401);
  });
});
