/**
 * Two listeners (docs/security.md): the public one serves the collector, the tracker and
 * /healthz and nothing else; the admin API lives on its own listener, loopback by default, every
 * route from one table behind one guard. Routes are walked from the apps' own route tables, so a
 * route added later is covered without touching this file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ACTIONS } from '../../src/admin/admin-route.js';
import { ConfigError, resolveConfig } from '../../src/config/config.js';
import { routeTable } from '../../src/http/http-app.js';
import { startTouchline } from '../../src/server.js';
import { startHarness, type Harness } from '../support/harness.js';
import { BIN, assertBuilt } from '../support/process.js';

let h: Harness;
beforeAll(async () => {
  // Only the public listener is told a host: the admin one keeps its default.
  h = await startHarness({}, { listen: true });
});
afterAll(async () => {
  await h?.dispose();
});

/** A concrete path for a route pattern: every `:param` filled in. */
const concrete = (url: string) => url.replace(/:(\w+)/g, 'x-$1');
const adminRoutes = () => routeTable(h.adminApp).filter((r) => r.config['action'] !== undefined);

describe('the public listener', () => {
  it('serves only the collector, the tracker and /healthz', () => {
    const paths = new Set(routeTable(h.app).map((r) => r.url));
    // the Segment API (and analytics.js's short paths), RudderStack's beacon and source config, the tracker
    const segment = /^\/(v1\/|_t\/|healthz$|beacon\/v1\/batch$|sourceConfig\/?$)/;
    // the other vendors' protocols (docs/ingest.md): under their prefixes, and at the vendors' own paths
    const vendors = /^\/((amplitude|posthog|snowplow)\/|postbacks\/(appsflyer|branch)(\/:key)?$|2\/httpapi$|batch\/?$|(e|i\/v0\/e|capture|track|flags|decide)\/?$|array\/:token\/config(\.js)?$|com\.snowplowanalytics\.snowplow\/tp2$|i$)/;
    for (const p of paths) expect(p, p).toMatch(new RegExp(`${segment.source}|${vendors.source}`));
    for (const p of paths) expect(p, p).not.toMatch(/admin/);
    expect(paths.has('/v1/batch')).toBe(true);
    expect(paths.has('/_t/b')).toBe(true);
  });

  it('answers 404 to every admin route, with or without the admin token, preflights included', async () => {
    const routes = adminRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(12);
    for (const r of routes) {
      for (const headers of [{}, { authorization: `Bearer ${h.adminToken}` }]) {
        const body = r.method === 'GET' || r.method === 'HEAD' ? {} : { payload: '{}' };
        const res = await h.app.inject({ method: r.method, url: concrete(r.url), headers: { ...headers, 'content-type': 'application/json' }, ...body });
        expect(res.statusCode, `${r.method} ${r.url}`).toBe(404);
      }
      const pre = await h.app.inject({ method: 'OPTIONS', url: concrete(r.url), headers: { origin: 'https://evil.test', 'access-control-request-method': r.method } });
      expect(pre.statusCode, `OPTIONS ${r.url}`).toBe(404);
    }
  });

  it('answers 404 to admin paths over the network too', async () => {
    const res = await fetch(`${h.url}/admin/sql`, { method: 'POST', headers: { authorization: `Bearer ${h.adminToken}`, 'content-type': 'application/json' }, body: '{"sql":"select 1"}' });
    expect(res.status).toBe(404);
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  });
});

describe('the admin listener', () => {
  it('listens on loopback by default, on a port of its own', () => {
    const admin = h.adminApp.server.address();
    const pub = h.app.server.address();
    expect(typeof admin === 'object' && admin?.address).toBe('127.0.0.1');
    expect(typeof admin === 'object' && typeof pub === 'object' && admin?.port !== pub?.port).toBe(true);
    const defaults = resolveConfig({}, {}, {});
    expect(defaults.admin).toMatchObject({ host: '127.0.0.1', port: 8081 });
    expect(defaults.host).toBe('0.0.0.0');
  });

  it('refuses every route without the admin token, or with a wrong or near-miss one', async () => {
    const t = h.adminToken;
    const wrong = [undefined, `Bearer ${t.slice(0, -1)}`, `Bearer ${t}x`, `Basic ${Buffer.from(`${t}:`).toString('base64')}`, t, `Bearer  ${t.toUpperCase()}`, 'Bearer '];
    for (const r of adminRoutes()) {
      expect(ADMIN_ACTIONS).toContain(r.config['action']);
      for (const authorization of wrong) {
        const res = await h.adminApp.inject({ method: r.method, url: concrete(r.url), headers: authorization === undefined ? {} : { authorization } });
        expect(res.statusCode, `${r.method} ${r.url} with ${authorization ?? 'nothing'}`).toBe(401);
      }
    }
  });

  it('answers /healthz without a token, and nothing else it does not know', async () => {
    expect((await h.adminApp.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await h.adminApp.inject({ method: 'POST', url: '/v1/track', payload: '{}', headers: { 'content-type': 'application/json' } })).statusCode).toBe(404);
  });

  it('marks its answers as not to be cached', async () => {
    const res = await h.adminApp.inject({ method: 'GET', url: '/admin/sources', headers: { authorization: `Bearer ${h.adminToken}` } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
  });
});

describe('configuration', () => {
  it('reads admin.host / admin.port from the file, the environment and flags', () => {
    const c = resolveConfig({ admin: { port: 9000 } }, { TOUCHLINE_ADMIN_HOST: '10.0.0.5', TOUCHLINE_ADMIN_PORT: '9100', TOUCHLINE_LOG_LEVEL: 'debug' }, { admin: { port: '9200' } });
    expect(c.admin).toMatchObject({ host: '10.0.0.5', port: 9200 });
    expect(c.log.level).toBe('debug');
  });

  it('refuses the admin API on the public port, a header timeout longer than the request one, and odd origins', () => {
    expect(() => resolveConfig({ port: 8080, admin: { port: 8080 } }, {}, {})).toThrow(/admin\.port: must differ from port/);
    expect(() => resolveConfig({ limits: { headersTimeoutMs: 5000, requestTimeoutMs: 1000 } }, {}, {})).toThrow(/limits\.headersTimeoutMs/);
    expect(() => resolveConfig({ cors: { allowedOrigins: ['https://app.example.com/'] } }, {}, {})).toThrow(ConfigError);
    expect(() => resolveConfig({ log: { level: 'trace' } }, {}, {})).toThrow(/log\.level/);
    expect(resolveConfig({ port: 0, admin: { port: 0 } }, {}, {}).admin.port).toBe(0);
  });
});

describe('a listener that cannot open', () => {
  it('names the config key, and releases everything the start had opened', async () => {
    assertBuilt();
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const taken = (busy.address() as { port: number }).port;
    const dataDir = await mkdtemp(join(tmpdir(), 'touchline-busy-'));
    const config = (adminPort: number) => resolveConfig({ dataDir, host: '127.0.0.1', port: 0, admin: { port: adminPort }, tracker: { touchStore: { engine: 'sqlite' } } }, {}, {});
    try {
      await expect(startTouchline(config(taken), { log: () => undefined })).rejects.toThrow(
        new RegExp(`127\\.0\\.0\\.1:${taken} is in use \\(is another Touchline running\\?\\): set admin\\.port / admin\\.host \\(TOUCHLINE_ADMIN_PORT, --admin-port\\)`),
      );
      // The DuckDB file was let go: another process can open it (a held lock would refuse it)…
      const sql = spawnSync(process.execPath, [BIN, 'sql', 'select count(*) as n from sources', '--format', 'json', '--data-dir', dataDir], { encoding: 'utf8' });
      expect(sql.stderr).toBe('');
      expect(JSON.parse(sql.stdout)).toEqual([{ n: 1 }]);
      // …and a second start on the same data dir works.
      const t = await startTouchline(config(0), { log: () => undefined });
      expect((await fetch(`${t.adminUrl}/healthz`)).status).toBe(200);
      await t.close();
    } finally {
      busy.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
