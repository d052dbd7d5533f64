/**
 * The dashboard's governance parts in Chromium, over a real DuckDB, the real people store and
 * policy, and the HubSpot stand-in (its published contract): a send one member asked for and
 * another approves on screen; the tracking plan's violations against SQL over plan_violations;
 * replay from the page, exactly once; the link builder; and what a viewer may not see.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { startHubspotStandIn, type HubspotStandIn } from '@touchline/destinations/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, skipReason } from '../../../tracker/test/support/browser.js';
import { SCOPES, type Role } from '../../src/policy/actions.js';
import { shopPlanYaml, writePlan } from '../plans/plan-fixture.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ARTIFACTS } from './support/demo-harness.js';

const WISHLIST = `  Wishlist Added:
    description: A product saved for later
    owner: growth@shop.test
    properties:
      required: [sku]
      properties:
        sku: { type: string }
`;

let h: Harness;
let hubspot: HubspotStandIn;
let browser: Browser;
let planFile: string;
const t = {} as Record<'alice' | 'bob' | 'viewer', string>;

function member(email: string, role: Role): string {
  const m = h.people.members.add({ name: email.split('@')[0]!, email, role, startDate: '2020-01-01' });
  return h.people.tokens.create({ memberId: m.id, name: 'browser', scopes: [...SCOPES], expiresAt: new Date(Date.now() + 86_400_000), createdBy: 'bootstrap' }).token;
}

/** A browser page signed in with `token`, on `page` of the dashboard. */
async function signedIn(token: string, page: string): Promise<Page> {
  const p = await (await browser.newContext({ viewport: { width: 1360, height: 900 } })).newPage();
  await p.goto(`${h.adminUrl}/#/${page}`);
  await p.fill('input[name=token]', token);
  await p.click('button[type=submit]');
  await p.locator('[data-testid=who]').waitFor();
  return p;
}

/** Posts a batch the plan (mode block) quarantines whole: every event refused, each kept in failed_events. */
const quarantinedBatch = async (events: unknown[]) => {
  const res = await fetch(`${h.url}/v1/batch`, { method: 'POST', headers: { authorization: h.auth, 'content-type': 'application/json' }, body: JSON.stringify({ batch: events }) });
  expect(((await res.json()) as { rejected: unknown[] }).rejected).toHaveLength(events.length);
  await h.loader.flush();
};

async function runStatus(runId: string): Promise<string> {
  const res = await h.adminApp.inject({ method: 'GET', url: `/admin/syncs/seats/runs/${runId}`, headers: { authorization: `Bearer ${h.adminToken}` } });
  return (res.json() as { run: { status: string } }).run.status;
}

beforeAll(async () => {
  hubspot = await startHubspotStandIn();
  planFile = await writePlan(shopPlanYaml('1.0.0'));
  h = await startHarness(
    {
      plans: { path: planFile, default: { mode: 'block', unplannedEvents: 'block', unplannedProperties: 'allow' } },
      attribution: { utm: { aliases: { utm_source: { facebook: ['fb'] } } } },
      destinations: { hs: { type: 'hubspot', config: { endpoint: hubspot.url, accessToken: 'test-token', properties: { n: 'feature_x_uses' } } } },
      syncs: {
        seats: { destination: 'hs', source: { sql: `SELECT 'seat' || i || '@example.com' AS email, i AS n FROM range(5) r(i)` }, primaryKey: 'email', mode: 'upsert' },
        // Never run either: its first real run waits too, for the rejection.
        trial: { destination: 'hs', source: { sql: `SELECT 'trial' || i || '@example.com' AS email, i AS n FROM range(3) r(i)` }, primaryKey: 'email', mode: 'upsert' },
      },
    },
    { listen: true },
  );
  t.alice = member('alice@example.com', 'admin');
  t.bob = member('bob@example.com', 'admin');
  t.viewer = member('vera@example.com', 'viewer');
  browser = await launchChromium();
  await mkdir(ARTIFACTS, { recursive: true });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await h?.dispose();
  await hubspot?.close();
});

describe.skipIf(skipReason)('approvals on the Activation page', () => {
  let approvalId = '';
  let runId = '';

  it('the requester sees her request, why she cannot approve it, and the run’s own badge; the server refuses her too', async () => {
    // A sync's first real run waits for a second member (approvals.first-real-run, on by default).
    const started = await h.adminApp.inject({ method: 'POST', url: '/admin/syncs/seats/runs', headers: { authorization: `Bearer ${t.alice}` }, payload: {} });
    runId = (started.json() as { runId: string }).runId;
    await expect.poll(() => runStatus(runId), { timeout: 10_000 }).toBe('awaiting_approval');
    const [pending] = h.approvals.list({ status: 'pending', sync: 'seats' });
    approvalId = pending!.id;

    const page = await signedIn(t.alice, 'activation');
    const card = page.locator(`[data-testid=approval-${approvalId}]`);
    await card.waitFor();
    expect(await card.locator('[data-col=requester]').textContent()).toBe('alice@example.com');
    expect(await card.textContent()).toContain('5 rows (5 to add, 0 to change, 0 to remove)');
    expect(await card.textContent()).toContain('approvals.first-real-run');
    expect(await page.locator(`[data-testid=own-${approvalId}]`).textContent()).toContain('You asked for this send');
    expect(await page.locator(`[data-testid=approve-${approvalId}]`).count()).toBe(0);
    await card.locator('button', { hasText: 'Show the exact requests' }).click();
    // The stored dry run's exact requests name the rows to send, never the destination's credential.
    const report = (await page.locator(`[data-testid=approval-report-${approvalId}]`).textContent()) ?? '';
    expect(report).toContain('seat0@example.com');
    expect(report).not.toContain('test-token');

    await page.selectOption('select[name=sync]', 'seats');
    const status = page.locator('[data-testid=runs] td[data-col=status]');
    await expect.poll(() => status.allTextContents()).toEqual(['awaiting_approval']);
    expect(await status.getAttribute('class')).toContain('status-awaiting_approval');
    await page.screenshot({ path: `${ARTIFACTS}approvals-requester.png`, fullPage: true });

    // With the button hidden, the API still refuses her from the same signed-in page.
    const refused = await page.evaluate(async (id) => {
      const res = await fetch(`/admin/approvals/${id}/approve`, { method: 'POST', headers: { 'x-touchline-request': '1', 'content-type': 'application/json' }, body: '{}' });
      return { status: res.status, body: (await res.json()) as { rule?: string } };
    }, approvalId);
    expect([refused.status, refused.body.rule]).toEqual([403, 'approvals.same-person']);
    expect(h.approvals.get(approvalId).status).toBe('pending');
    await page.context().close();
  });

  it('a viewer sees no approval and no Approve button', async () => {
    const page = await signedIn(t.viewer, 'activation');
    await page.locator('.page h2').waitFor();
    expect(await page.locator('[data-testid=approvals]').count()).toBe(0);
    expect(await page.locator('[data-testid^=approve-]').count()).toBe(0);
    await page.context().close();
  });

  it('a second member approves on screen; the control store records him, and the approved run sends', async () => {
    const page = await signedIn(t.bob, 'activation');
    await page.locator(`[data-testid=approve-${approvalId}]`).click();
    await expect.poll(() => page.locator('[data-testid=approval-message]').textContent()).toMatch(new RegExp(`^${approvalId}: (approved|used)$`));
    const decided = h.approvals.get(approvalId);
    expect(decided.decider?.label).toBe('bob@example.com');
    expect(['approved', 'used']).toContain(decided.status);
    // The list reloads after the decision: nothing waits any more.
    await expect.poll(() => page.locator('[data-testid=approvals] .empty').count()).toBe(1);
    await expect.poll(() => hubspot.contacts.size, { timeout: 10_000 }).toBe(5);
    await page.context().close();
  });

  it('a reason is needed to reject, and the rejection is stored with it', async () => {
    await h.adminApp.inject({ method: 'POST', url: '/admin/syncs/trial/runs', headers: { authorization: `Bearer ${t.alice}` }, payload: {} });
    await expect.poll(() => h.approvals.list({ status: 'pending', sync: 'trial' }).length, { timeout: 10_000 }).toBe(1);
    const id = h.approvals.list({ status: 'pending', sync: 'trial' })[0]!.id;
    const page = await signedIn(t.bob, 'activation');
    const reject = page.locator(`[data-testid=reject-${id}]`);
    await reject.waitFor();
    expect(await reject.isDisabled()).toBe(true);
    await page.locator(`[data-testid=approval-${id}] input[name=reason]`).fill('full resend not needed this week');
    await reject.click();
    await expect.poll(() => h.approvals.get(id).status).toBe('rejected');
    expect(h.approvals.get(id)).toMatchObject({ reason: 'full resend not needed this week', decider: { label: 'bob@example.com' } });
    expect([...hubspot.contacts.keys()].some((k) => k.includes('trial'))).toBe(false);
    await page.context().close();
  });
});

/** Violations grouped as the page groups them, by SQL over plan_violations on both tables. */
async function violationsBySql(): Promise<string[]> {
  const rows = await h.sql(`
    WITH v AS (
      SELECT coalesce(event, type) AS ev, unnest(CAST(plan_violations AS JSON[])) AS x FROM events WHERE plan_violations IS NOT NULL
      UNION ALL
      SELECT coalesce(json_extract_string(raw, '$.event'), json_extract_string(raw, '$.type')), unnest(CAST(plan_violations AS JSON[])) FROM failed_events WHERE plan_violations IS NOT NULL)
    SELECT ev, json_extract_string(x, '$.path') AS path, json_extract_string(x, '$.kind') AS kind, count(*)::int AS n FROM v GROUP BY ALL`);
  return rows.map((r) => `${String(r['ev'])} ${String(r['path'])} ${String(r['kind'])} ${String(r['n'])}`).sort();
}

describe.skipIf(skipReason)('tracking-plan violations, replay and the link builder on Data quality', () => {
  it('shows the violations SQL over plan_violations finds', async () => {
    await quarantinedBatch([
      ...[1, 2, 3].map((i) => ({ type: 'track', anonymousId: 'r', messageId: `rev-${i}`, event: 'Order Completed', properties: { order_id: `ord_${i}`, revenue: -i } })),
      ...[1, 2].map((i) => ({ type: 'track', anonymousId: 'w', messageId: `wish-${i}`, event: 'Wishlist Added', properties: { sku: `SKU-${i}` } })),
    ]);
    const expected = await violationsBySql();
    expect(expected.length).toBeGreaterThanOrEqual(2);
    const page = await signedIn(t.bob, 'quality');
    const rows = page.locator('[data-testid=violations] tbody tr');
    await rows.first().waitFor();
    const onScreen = await rows.evaluateAll((trs) =>
      trs.map((tr) => ['event', 'path', 'kind', 'count'].map((c) => tr.querySelector(`td[data-col=${c}]`)?.textContent ?? '').join(' ')),
    );
    expect(onScreen.sort()).toEqual(expected);
    await page.screenshot({ path: `${ARTIFACTS}quality-violations.png`, fullPage: true });
    await page.context().close();
  });

  it('replays the quarantined events after a plan fix: a count first, then each fixed event stored once', async () => {
    await writeFile(planFile, shopPlanYaml('1.1.0', WISHLIST));
    expect((await h.adminApp.inject({ method: 'POST', url: '/admin/plans/reload', headers: { authorization: `Bearer ${h.adminToken}` } })).statusCode).toBe(200);
    const [{ n }] = (await h.sql(`SELECT count(*)::int AS n FROM failed_events WHERE reason LIKE '%tracking plan%'`)) as [{ n: number }];
    const page = await signedIn(t.bob, 'quality');
    await page.click('[data-testid=replay-count]');
    expect(await page.locator('[data-testid=replay-dry]').textContent()).toContain(`${n} quarantined events would go through the current plan again`);
    // The count alone re-ingests nothing.
    expect(await h.sql(`SELECT count(*)::int AS n FROM events WHERE event = 'Wishlist Added'`)).toEqual([{ n: 0 }]);
    await page.click('[data-testid=replay-go]');
    await expect.poll(() => page.locator('[data-testid=replay-message]').textContent()).toMatch(/^Replayed: 2 stored, 3 quarantined again/);
    // Again from the page: nothing is left to replay, and nothing is stored twice.
    await page.click('[data-testid=replay-count]');
    await expect.poll(() => page.locator('[data-testid=replay-dry]').textContent()).toMatch(/^0 quarantined events would go/);
    await page.click('[data-testid=replay-go]');
    await expect.poll(() => page.locator('[data-testid=replay-message]').textContent()).toMatch(/^Replayed: 0 stored/);
    const stored = await h.sql(`SELECT message_id, count(*)::int AS n, any_value(plan_version) AS v FROM events WHERE event = 'Wishlist Added' GROUP BY 1 ORDER BY 1`);
    expect(stored).toEqual([
      { message_id: 'wish-1', n: 1, v: '1.1.0' },
      { message_id: 'wish-2', n: 1, v: '1.1.0' },
    ]);
    await page.context().close();
  });

  it('builds a conforming tagged link and refuses a nonconforming one with the rule that fixes it', async () => {
    const page = await signedIn(t.bob, 'quality');
    const form = page.locator('[data-testid=link-builder]');
    await form.locator('input[name=url]').fill('https://www.shop.test/sale');
    await form.locator('input[name=utm_source]').fill('facebook');
    await form.locator('input[name=utm_medium]').fill('paid_social');
    await form.locator('input[name=utm_campaign]').fill('spring_sale');
    await form.locator('button[type=submit]').click();
    expect(await page.locator('[data-testid=built-url]').textContent()).toBe('https://www.shop.test/sale?utm_source=facebook&utm_medium=paid_social&utm_campaign=spring_sale');
    await form.locator('input[name=utm_source]').fill('fb');
    await form.locator('button[type=submit]').click();
    const refused = (await page.locator('[data-testid=build-refused]').textContent()) ?? '';
    expect(refused).toContain('the link does not follow the campaign taxonomy');
    expect(refused).toContain('utm_source "fb": alias (use "facebook")');
    expect(await page.locator('[data-testid=built-url]').count()).toBe(0);
    await page.screenshot({ path: `${ARTIFACTS}quality-link-builder.png`, fullPage: true });
    await page.context().close();
  });

  it('lists nonconforming UTM values by landings, as the events hold them', async () => {
    const landing = (i: number, source: string) => ({ type: 'page', anonymousId: `l${i}`, context: { page: { url: `https://www.shop.test/?utm_source=${source}&utm_medium=paid_social&utm_campaign=spring_sale` } } });
    const res = await fetch(`${h.url}/v1/batch`, { method: 'POST', headers: { authorization: h.auth, 'content-type': 'application/json' }, body: JSON.stringify({ batch: [1, 2, 3].map((i) => landing(i, 'fb')).concat(landing(4, 'facebook')) }) });
    expect(((await res.json()) as { accepted: number }).accepted).toBe(4);
    const [{ n }] = (await h.sql(`SELECT count(*)::int AS n FROM events WHERE type = 'page' AND utm_source = 'fb'`)) as [{ n: number }];
    expect(n).toBe(3);
    const page = await signedIn(t.bob, 'quality');
    const rows = page.locator('[data-testid=utm-report] tbody tr');
    await rows.first().waitFor();
    const onScreen = await rows.evaluateAll((trs) => trs.map((tr) => ['param', 'value', 'canonical', 'landings'].map((c) => tr.querySelector(`td[data-col=${c}]`)?.textContent ?? '').join(' ')));
    // The conforming value is not listed; the alias is, with the landings SQL counts.
    expect(onScreen).toEqual([`utm_source fb facebook ${n}`]);
    await page.context().close();
  });

  it('a viewer sees the violations but no Replay button', async () => {
    const page = await signedIn(t.viewer, 'quality');
    await page.locator('[data-testid=plan-version]').waitFor();
    expect(await page.locator('[data-testid=replay-count]').count()).toBe(0);
    await page.context().close();
  });
});
