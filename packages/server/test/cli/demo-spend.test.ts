/**
 * `touchline demo` writes the demo shop's ad spend beside its journeys: without a server, into the
 * warehouse directly; with one, through `POST /admin/demo/spend`, which refuses what its schema
 * refuses and is an admin's action.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemo } from '../../src/cli/commands/demo.js';
import { resolveConfig, type Config } from '../../src/config/config.js';
import { DEMO_CAMPAIGNS } from '../../src/demo/demo-campaigns.js';
import { openDuckDBWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import { startHarness, type Harness } from '../support/harness.js';

const NOW = Date.parse('2026-12-07T15:00:00Z');
const PAID = DEMO_CAMPAIGNS.filter((c) => c.platform && c.utm && c.dailySpend > 0);

describe('touchline demo, no server running', () => {
  let dir: string;
  let config: Config;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tl-demo-spend-'));
    config = resolveConfig({ dataDir: dir, port: 0, host: '127.0.0.1' }, {}, {});
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const spend = async () => {
    const w = await openDuckDBWarehouse({ path: join(dir, 'warehouse.duckdb') });
    try {
      return (await w.query(`SELECT network, campaign_name, count(*) AS days, min(cost_micros) AS lo, max(cost_micros) AS hi, CAST(min("date") AS VARCHAR) AS first, CAST(max("date") AS VARCHAR) AS last FROM ad_spend GROUP BY ALL ORDER BY ALL`)).rows;
    } finally {
      await w.close();
    }
  };

  it("writes a day of spend per paid campaign for each of the demo's days, each within 15 % of its daily budget", async () => {
    const s = await loadDemo(config, { people: 40, days: 10, now: NOW });
    expect(s.accepted).toBeGreaterThan(0);
    expect(s.spendRows).toBe(11 * PAID.length);
    const rows = await spend();
    expect(rows.length).toBe(PAID.length);
    for (const [network, name, days, lo, hi, first, last] of rows) {
      const c = PAID.find((p) => p.platform === network && p.utm!.campaign === name);
      expect(c, `${network} ${name}`).toBeDefined();
      expect(Number(days)).toBe(11);
      expect(Number(lo)).toBeGreaterThanOrEqual(c!.dailySpend * 0.85 * 1e6 - 5_000);
      expect(Number(hi)).toBeLessThanOrEqual(c!.dailySpend * 1.15 * 1e6 + 5_000);
      expect([String(first), String(last)]).toEqual(['2026-11-27', '2026-12-07']);
    }
  });

  it('a second run replaces the same days instead of adding to them', async () => {
    const before = await spend();
    await loadDemo(config, { people: 40, days: 10, now: NOW });
    expect(JSON.stringify(await spend(), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).toBe(JSON.stringify(before, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
  });
});

describe('POST /admin/demo/spend', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.dispose());
  const post = (payload: unknown, token = h.adminToken) =>
    h.adminApp.inject({ method: 'POST', url: '/admin/demo/spend', headers: { authorization: `Bearer ${token}` }, payload: payload as object });

  it('writes the spend for the days asked, and refuses what the schema refuses, naming the field', async () => {
    const ok = await post({ days: 3 });
    expect(ok.statusCode, ok.body).toBe(200);
    // `days` counts account-days: one account per network.
    expect(ok.json()).toEqual({ rows: 4 * PAID.length, days: 4 * new Set(PAID.map((c) => c.platform)).size });
    for (const bad of [{ days: 0 }, { days: 1.5 }, { days: '3' }, { days: 400 }, { days: 3, now: 0 }]) {
      const res = await post(bad);
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.json().field, JSON.stringify(bad)).toMatch(/^(days|now|body)/);
    }
    const anon = await h.adminApp.inject({ method: 'POST', url: '/admin/demo/spend', payload: {} });
    expect(anon.statusCode).toBe(401);
  });
});
