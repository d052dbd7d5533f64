/**
 * The tracking plan on ClickHouse (Debian's 18.16 server, one per file): migration 6, the plan
 * columns on events and failed_events, the violations report and replay exactly once.
 */
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickhouseSkipReason, startClickHouseServer, type ClickHouseTestServer } from '../support/clickhouse-server.js';
import { startHarness, type Harness } from '../support/harness.js';
import { shopPlanYaml, writePlan } from './plan-fixture.js';

describe.skipIf(clickhouseSkipReason() !== null)(`tracking plans on ClickHouse ${clickhouseSkipReason() ?? ''}`, () => {
  let server: ClickHouseTestServer;
  let h: Harness;
  let planFile: string;
  const json = { 'content-type': 'application/json' };
  const batch = (events: unknown[]) => h.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: h.auth, ...json }, payload: JSON.stringify({ batch: events }) });
  const admin = async (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    (await h.loader.flush(), h.adminApp).inject({ method, url, headers: { authorization: `Bearer ${h.adminToken}`, ...json }, ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }) });

  beforeAll(async () => {
    server = await startClickHouseServer();
    planFile = await writePlan(shopPlanYaml('1.0.0'));
    h = await startHarness({
      warehouse: { engine: 'clickhouse', clickhouse: { url: server.url, database: 'plans_ch' } },
      plans: { path: planFile, default: { mode: 'block', unplannedEvents: 'block', unplannedProperties: 'drop' } },
    });
  }, 120_000);
  afterAll(async () => {
    await h?.dispose();
    await server?.dispose();
  });

  it('applies migration 6: plan_replays and the plan columns', async () => {
    expect(await h.warehouse.schemaVersion()).toBeGreaterThanOrEqual(6);
    const cols = await h.sql(`SELECT table, name FROM system.columns WHERE database = 'plans_ch' AND name LIKE 'plan_%' ORDER BY table, name`);
    expect(cols.map((c) => `${String(c['table'])}.${String(c['name'])}`)).toEqual(expect.arrayContaining([
      'events.plan_version', 'events.plan_violations', 'failed_events.plan_version', 'failed_events.plan_violations', 'plan_replays.plan_version',
    ]));
  });

  it('stores the good events of a batch with the plan version, quarantines the bad one with its violations', async () => {
    const res = await batch([
      { type: 'track', anonymousId: 'a', messageId: 'ch-1', event: 'Order Completed', properties: { order_id: 'ord_1', revenue: 5, note: 'dropped' } },
      { type: 'track', anonymousId: 'a', messageId: 'ch-2', event: 'Order Completed', properties: { order_id: 'ord_2', revenue: 'five' } },
      { type: 'track', anonymousId: 'a', messageId: 'ch-3', event: 'Gift Wrapped', properties: {} },
    ]);
    expect(res.json()).toMatchObject({ accepted: 1, rejected: [{ index: 1, field: '/properties/revenue' }, { index: 2, field: '/event' }] });
    const [stored] = await h.sql(`SELECT plan_version, plan_violations, properties FROM events WHERE message_id = 'ch-1'`);
    expect(stored?.['plan_version']).toBe('1.0.0');
    expect(JSON.parse(String(stored?.['properties']))).toEqual({ order_id: 'ord_1', revenue: 5 });
    expect(JSON.parse(String(stored?.['plan_violations']))).toEqual([expect.objectContaining({ kind: 'unplanned_property', path: '/properties/note', action: 'dropped' })]);
    const report = (await admin('GET', '/admin/plans/violations?since=1d')).json();
    expect(report).toMatchObject({ stored: 1, quarantined: 2 });
    expect(report.groups.map((g: { event: string; kind: string; count: number }) => `${g.event} ${g.kind} ${g.count}`).sort()).toEqual([
      'Gift Wrapped unplanned_event 1', 'Order Completed type_mismatch 1', 'Order Completed unplanned_property 1',
    ]);
  });

  it('replays the unplanned event after the plan names it, once', async () => {
    await writeFile(planFile, shopPlanYaml('1.1.0', '  Gift Wrapped:\n    description: wrapped\n    owner: shop\n'));
    expect((await admin('POST', '/admin/plans/reload')).json()).toMatchObject({ version: '1.1.0' });
    expect((await admin('POST', '/admin/plans/replay', { reason: 'unplanned_event', since: '1d' })).json()).toMatchObject({ matched: 1, stored: 1 });
    expect((await admin('POST', '/admin/plans/replay', { reason: 'unplanned_event', since: '1d' })).json()).toMatchObject({ matched: 1, alreadyReplayed: 1, stored: 0 });
    expect(await h.sql(`SELECT plan_version FROM events WHERE message_id = 'ch-3'`)).toEqual([{ plan_version: '1.1.0' }]);
  });
});
