/**
 * A plan's life on DuckDB: reload (the admin route, audited; a broken file keeps the plan in
 * force), replay of what it quarantined after a fix (exactly once), and the reports the CLI and
 * the dashboard read: violations by event and property, a draft inferred from traffic, a diff.
 */
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startHarness, type Harness } from '../support/harness.js';
import { shopPlanYaml, writePlan } from './plan-fixture.js';

let h: Harness;
let planFile: string;
const json = { 'content-type': 'application/json' };
const track = (payload: unknown) => h.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: h.auth, ...json }, payload: JSON.stringify(payload) });
/** The admin API, after the loader has loaded what is spooled (reports read the warehouse). */
const admin = async (method: 'GET' | 'POST', url: string, payload?: unknown) =>
  (await h.loader.flush(), h.adminApp).inject({ method, url, headers: { authorization: `Bearer ${h.adminToken}`, ...json }, ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }) });

const WISHLIST = `  Wishlist Added:
    description: A product saved for later
    owner: growth@shop.test
    properties:
      required: [sku]
      properties:
        sku: { type: string }
`;

const CART = '  Cart Abandoned:\n    description: left\n    owner: growth@shop.test\n';

beforeAll(async () => {
  planFile = await writePlan(shopPlanYaml('1.0.0'));
  h = await startHarness({ plans: { path: planFile, default: { mode: 'block', unplannedEvents: 'block', unplannedProperties: 'allow' } } });
});
afterAll(async () => {
  await h.dispose();
});

describe('reload and replay', () => {
  it('quarantines an unplanned event; after the plan names it and reloads, replay stores it exactly once', async () => {
    const wish = (id: string) => ({ type: 'track', anonymousId: 'w', messageId: id, event: 'Wishlist Added', properties: { sku: 'SKU-1' }, timestamp: '2026-01-01T00:00:00.000Z' });
    const res = await track({ batch: [wish('w-1'), wish('w-2'), { type: 'track', anonymousId: 'w', event: 'Wishlist Added', properties: {} }] });
    expect(res.json()).toMatchObject({ accepted: 0, rejected: [{ index: 0 }, { index: 1 }, { index: 2 }] });
    expect(await h.sql(`select count(*)::int as n from failed_events where reason like 'tracking plan shop 1.0.0: unplanned_event%'`)).toEqual([{ n: 3 }]);

    // A plan that does not load leaves the one in force, and says why.
    await writeFile(planFile, shopPlanYaml('1.1.0').replace('type: number', 'type: numbr'));
    const broken = await admin('POST', '/admin/plans/reload');
    expect(broken.statusCode).toBe(422);
    expect(broken.json().message).toMatch(/the plan in force \(1\.0\.0\) stays: events\["Order Completed"\]\.properties: not a usable JSON Schema/);
    expect((await admin('GET', '/admin/plans')).json().version).toBe('1.0.0');

    await writeFile(planFile, shopPlanYaml('1.1.0', WISHLIST));
    const reloaded = await admin('POST', '/admin/plans/reload');
    expect(reloaded.json()).toEqual({ version: '1.1.0', previousVersion: '1.0.0', events: 3 });
    const audit = h.people.audit.query({ action: 'plans.reload' });
    expect(audit.map((a) => [a.outcome, a.after])).toEqual(expect.arrayContaining([['allowed', { version: '1.1.0' }]]));

    const dry = await admin('POST', '/admin/plans/replay', { reason: 'unplanned_event', since: '30d', dryRun: true });
    expect(dry.json()).toMatchObject({ matched: 3, alreadyReplayed: 0, stored: 0, dryRun: true });
    const first = await admin('POST', '/admin/plans/replay', { reason: 'unplanned_event', since: '30d' });
    // The event without sku is quarantined again, now for what the fixed plan says.
    expect(first.json()).toMatchObject({ matched: 3, alreadyReplayed: 0, stored: 2, quarantinedAgain: 1 });
    const second = await admin('POST', '/admin/plans/replay', { reason: 'unplanned_event', since: '30d' });
    expect(second.json()).toMatchObject({ matched: 3, alreadyReplayed: 3, stored: 0, quarantinedAgain: 0 });

    const stored = await h.sql(`select message_id, plan_version, timestamp::varchar as ts from events where event = 'Wishlist Added' order by 1`);
    expect(stored).toEqual([
      { message_id: 'w-1', plan_version: '1.1.0', ts: '2026-01-01 00:00:00+00' },
      { message_id: 'w-2', plan_version: '1.1.0', ts: '2026-01-01 00:00:00+00' },
    ]);
    expect(await h.sql(`select count(*)::int as n from failed_events where reason like 'tracking plan shop 1.1.0: required_missing at /properties/sku%'`)).toEqual([{ n: 1 }]);
  });

  it('a replay that crashed before its record is written stores nothing twice when run again', async () => {
    await track({ batch: [{ type: 'track', anonymousId: 'c', messageId: 'crash-1', event: 'Cart Abandoned' }] });
    await writeFile(planFile, shopPlanYaml('1.2.0', WISHLIST + CART));
    await admin('POST', '/admin/plans/reload');
    expect((await admin('POST', '/admin/plans/replay', { reason: 'Cart Abandoned', since: '30d' })).json()).toMatchObject({ stored: 1 });
    // The crash: the ledger lost its record, the spooled copy stayed.
    await h.warehouse.query(`delete from plan_replays where message_id = 'crash-1'`, { readOnly: false });
    expect((await admin('POST', '/admin/plans/replay', { reason: 'Cart Abandoned', since: '30d' })).json()).toMatchObject({ alreadyReplayed: 0 });
    expect(await h.sql(`select count(*)::int as n from events where message_id = 'crash-1'`)).toEqual([{ n: 1 }]);
  });

  it('refuses a bad range or an unknown source naming the field', async () => {
    expect((await admin('POST', '/admin/plans/replay', { since: 'last tuesday' })).json().message).toMatch(/^since: "last tuesday" is neither/);
    expect((await admin('GET', '/admin/plans/violations?source=nope')).json().message).toBe('source: no source is named "nope"');
  });
});

describe('reports', () => {
  it('violations by event and property: counts, actions and examples, stored and quarantined', async () => {
    await track({ batch: [1, 2, 3].map((i) => ({ type: 'track', anonymousId: 'r', messageId: `rev-${i}`, event: 'Order Completed', properties: { order_id: `ord_${i}`, revenue: -i } })) });
    const r = (await admin('GET', '/admin/plans/violations?since=30d')).json();
    const range = r.groups.find((g: { path: string }) => g.path === '/properties/revenue');
    expect(range).toMatchObject({ event: 'Order Completed', kind: 'range', action: 'blocked', count: 3, planVersions: ['1.2.0'] });
    expect([...range.examples].sort()).toEqual(['rev-1', 'rev-2', 'rev-3']);
    expect(r.quarantined).toBeGreaterThanOrEqual(3);
  });

  it('infers a draft plan from stored traffic: types, enums for few values, required when always present', async () => {
    await h.sources.create('dev');
    const batch = Array.from({ length: 30 }, (_, i) => ({
      type: 'track', anonymousId: `i${i}`, event: 'Signed Up', properties: { plan: i % 2 ? 'pro' : 'free', seats: i, ...(i % 3 === 0 ? { referrer_code: `c${i}` } : {}) },
    }));
    expect((await track({ batch })).json().accepted).toBe(30);
    const { document, yaml } = (await admin('GET', '/admin/plans/infer?since=30d')).json();
    expect(parse(yaml)).toEqual(document);
    expect(document.events['Signed Up'].properties).toEqual({
      properties: {
        plan: { type: 'string', enum: ['free', 'pro'], description: 'seen in 30 of 30' },
        referrer_code: { type: 'string', description: 'seen in 10 of 30' },
        seats: { type: 'number', description: 'seen in 30 of 30' },
      },
      required: ['plan', 'seats'],
    });
    expect(document.naming).toEqual({ events: 'Object Action', properties: 'snake_case' });
  });

  it('diff: what a tighter plan would block against recorded traffic, before it is deployed', async () => {
    const current = parse(shopPlanYaml('1.2.0', WISHLIST + CART));
    const tighter = structuredClone(current);
    tighter.version = '2.0.0';
    tighter.events['Signed Up'].properties = { required: ['plan', 'seats'], properties: { plan: { type: 'string', enum: ['pro'] }, seats: { type: 'integer', minimum: 1 } } };
    const d = (await admin('POST', '/admin/plans/diff', { plan: tighter, since: '30d' })).json();
    expect(d).toMatchObject({ currentVersion: '1.2.0', nextVersion: '2.0.0' });
    // 15 free plans (enum) and seat 0 (minimum) — one event has both.
    expect(d.newlyBlocked).toBe(15);
    const lines = Object.fromEntries(d.lines.map((l: { path: string; kind: string; current: number; next: number }) => [`${l.kind} ${l.path}`, [l.current, l.next]]));
    expect(lines['enum /properties/plan']).toEqual([0, 15]);
    expect(lines['range /properties/seats']).toEqual([0, 1]);
    const bad = await admin('POST', '/admin/plans/diff', { plan: { ...tighter, events: { 'signed up': {} } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/events\["signed up"\]: the name does not follow naming.events \(Object Action\)/);
  });
});
