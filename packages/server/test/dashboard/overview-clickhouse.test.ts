import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickhouseSkipReason, startClickHouseServer, type ClickHouseTestServer } from '../support/clickhouse-server.js';
import { startHarness, type Harness } from '../support/harness.js';

const TOKEN = 'overview-clickhouse-admin-token-0123';
const DAY = 86_400_000;

// ClickHouse keeps no rollups: the Overview and Journeys read its events, with its own dialect.
describe.skipIf(clickhouseSkipReason() !== null)('the Overview and a journey on ClickHouse', () => {
  let server: ClickHouseTestServer;
  let h: Harness;
  beforeAll(async () => {
    server = await startClickHouseServer();
    h = await startHarness({ adminToken: TOKEN, warehouse: { engine: 'clickhouse', clickhouse: { url: server.url, database: 'dash_overview' } } });
    const now = Date.now();
    const at = (d: number) => new Date(now - d * DAY).toISOString();
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: h.auth },
      payload: {
        batch: [
          { type: 'page', anonymousId: 'c1', timestamp: at(3), context: { page: { url: 'https://shop.example/?utm_source=google&utm_medium=cpc&gclid=g1' }, library: { name: '@touchline/tracker', version: '1' } } },
          { type: 'identify', anonymousId: 'c1', userId: 'cu1', traits: { email: 'c1@example.com' }, timestamp: at(3) },
          { type: 'track', event: 'Order Completed', anonymousId: 'c1', userId: 'cu1', properties: { revenue: 40 }, timestamp: at(3) },
          { type: 'page', anonymousId: 'c2', timestamp: at(1), context: { page: { url: 'https://shop.example/' } } },
          { type: 'track', anonymousId: 'c2' },
        ],
      },
    });
    expect(res.statusCode).toBe(200);
    await h.loader.flush();
  }, 120_000);
  afterAll(async () => {
    await h?.dispose();
    await server?.dispose();
  });

  const get = (url: string) => h.adminApp.inject({ method: 'GET', url, headers: { authorization: `Bearer ${TOKEN}` } });

  it('counts what was loaded', async () => {
    const res = await get('/admin/dashboard/overview');
    expect(res.statusCode, res.body).toBe(200);
    const o = res.json();
    expect(o.totals).toEqual({ events: 4, visitors: 2, conversions: 1, revenue: 40, failed: 1 });
    expect(o.health.sessions).toBe(2);
    expect(o.health.withClickId).toBe(1);
    expect(o.health.arrivals).toContainEqual({ library: '@touchline/tracker', arrivals: 1 });
  });

  it('finds a person by e-mail', async () => {
    const res = await get('/admin/dashboard/journey?q=c1%40example.com');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().events).toHaveLength(3);
    expect(res.json().conversions).toHaveLength(1);
  });
});
