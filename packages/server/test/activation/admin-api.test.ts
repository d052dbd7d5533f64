import { startHubspotStandIn, type HubspotStandIn } from '@touchline/destinations/testing';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeServerFile } from '../../src/cli/server-handle.js';
import { main } from '../../src/cli/main.js';
import { resolveConfig, type ConfigInput } from '../../src/config/config.js';
import { startHarness, type Harness } from '../support/harness.js';

describe('activation admin API, and the CLI through a running server', () => {
  let hubspot: HubspotStandIn;
  let t: Harness;
  let configFile: string;
  // A Slack-compatible webhook receiver (200 "ok"), its URL handed over by reference.
  const hooks: unknown[] = [];
  const receiver: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => (hooks.push(JSON.parse(raw)), res.writeHead(200).end('ok')));
  });
  const activation = (): ConfigInput => ({
    // The admin token starts the first real run itself here; the two-person rule on it is tested in test/approvals/.
    policy: { approvals: { firstRealRun: false } },
    destinations: { hs: { type: 'hubspot', config: { endpoint: hubspot.url, accessToken: 'test-token', properties: { n: 'feature_x_uses' } } } },
    syncs: {
      seats: { destination: 'hs', source: { sql: `SELECT 'seat' || i || '@example.com' AS email, i AS n FROM range(120) r(i)` }, primaryKey: 'email', mode: 'upsert' },
      broken: { destination: 'hs', source: { sql: 'SELECT * FROM no_such_table' }, primaryKey: 'email', mode: 'upsert' },
    },
    alerts: { webhooks: { ops: { url: 'env:TOUCHLINE_TEST_ALERT_HOOK' } }, routes: [{ webhook: 'ops', syncs: ['broken'] }] },
  });

  beforeAll(async () => {
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    process.env['TOUCHLINE_TEST_ALERT_HOOK'] = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    hubspot = await startHubspotStandIn();
    t = await startHarness(activation(), { listen: true });
    configFile = join(t.dataDir, 'touchline.config.json');
    await writeFile(configFile, JSON.stringify({ dataDir: t.dataDir, ...activation() }));
    await writeServerFile(resolveConfig({ dataDir: t.dataDir }, {}, {}), { pid: process.pid, url: t.url, adminUrl: t.adminUrl, adminToken: t.adminToken });
  });
  afterAll(async () => {
    await t.dispose();
    await hubspot.close();
    await new Promise((r) => receiver.close(r));
    delete process.env['TOUCHLINE_TEST_ALERT_HOOK'];
  });

  const admin = (method: 'GET' | 'POST', url: string, payload?: unknown, token = t.adminToken) =>
    t.adminApp.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload: payload as object }) });

  it('refuses a wrong admin token', async () => {
    expect((await admin('GET', '/admin/syncs', undefined, 'nope')).statusCode).toBe(401);
  });

  it('starts a run, reports its progress, lists syncs and history', async () => {
    const dry = await admin('POST', '/admin/syncs/seats/dry-run', { limit: 3 });
    expect(dry.json()).toMatchObject({ counts: { add: 120, change: 0, remove: 0 }, rows: [{ op: 'add' }, { op: 'add' }, { op: 'add' }] });
    const started = await admin('POST', '/admin/syncs/seats/runs', {});
    expect(started.statusCode).toBe(202);
    const { runId } = started.json() as { runId: string };
    let status = '';
    for (let i = 0; i < 200 && !['succeeded', 'failed'].includes(status); i++) {
      status = (await admin('GET', `/admin/syncs/seats/runs/${runId}`)).json().run.status;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(status).toBe('succeeded');
    expect((await admin('GET', '/admin/syncs')).json()).toMatchObject({ syncs: [{ name: 'seats', rows: 120, lastRun: { runId, status: 'succeeded' } }, { name: 'broken' }] });
    expect((await admin('GET', '/admin/syncs/seats/runs?limit=5')).json().runs).toHaveLength(1);
    expect((await admin('POST', '/admin/syncs/nope/runs', {})).json()).toMatchObject({ error: 'sync_error', message: expect.stringContaining('no sync "nope"') });
  });

  it('touchline sync goes through the server that holds the warehouse', async () => {
    const lines: string[] = [];
    const code = await main(['sync', 'run', 'seats', '--config', configFile, '--full', '--no-progress'], (s) => lines.push(s));
    expect(code).toBe(0);
    expect(lines.join('\n')).toContain('0 new, 120 changed, 0 removed -> 120 delivered');
    const history: string[] = [];
    await main(['sync', 'history', 'seats', '--config', configFile], (s) => history.push(s));
    expect(history.join('\n')).toMatch(/\| run\s+\| succeeded \| api/);
  });

  it('a failed run in the server alerts its route, and touchline status shows the last alert', async () => {
    const { runId } = (await admin('POST', '/admin/syncs/broken/runs', {})).json() as { runId: string };
    // The run and its alert happen in the server: poll its status (a real server, real time).
    let alerts: { sent: number } | null = null;
    for (let i = 0; i < 200 && alerts?.sent !== 1; i++) {
      alerts = (await admin('GET', '/admin/status')).json().alerts;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(alerts).toMatchObject({ sent: 1, held: 0, failures: [], last: { kind: 'run_failed', sync: 'broken', channels: ['webhook:ops'] } });
    for (let i = 0; i < 200 && hooks.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(hooks).toEqual([{ text: expect.stringContaining(`Sync broken: run failed\nrun ${runId} (api) to hs`), blocks: expect.any(Array) }]);
    const lines: string[] = [];
    expect(await main(['status', '--config', configFile], (s) => lines.push(s))).toBe(0);
    expect(lines.join('\n')).toMatch(/^Alerts {3}1 sent, 0 held back by the dedupe rule; last: Sync broken: run failed at \S+ \(webhook:ops\)$/m);
  });
});
