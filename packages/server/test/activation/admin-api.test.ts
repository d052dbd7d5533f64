import { startHubspotStandIn, type HubspotStandIn } from '@touchline/destinations/testing';
import { writeFile } from 'node:fs/promises';
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
  const activation = (): ConfigInput => ({
    // The admin token starts the first real run itself here; the two-person rule on it is tested in test/approvals/.
    policy: { approvals: { firstRealRun: false } },
    destinations: { hs: { type: 'hubspot', config: { endpoint: hubspot.url, accessToken: 'test-token', properties: { n: 'feature_x_uses' } } } },
    syncs: { seats: { destination: 'hs', source: { sql: `SELECT 'seat' || i || '@example.com' AS email, i AS n FROM range(120) r(i)` }, primaryKey: 'email', mode: 'upsert' } },
  });

  beforeAll(async () => {
    hubspot = await startHubspotStandIn();
    t = await startHarness(activation(), { listen: true });
    configFile = join(t.dataDir, 'touchline.config.json');
    await writeFile(configFile, JSON.stringify({ dataDir: t.dataDir, ...activation() }));
    await writeServerFile(resolveConfig({ dataDir: t.dataDir }, {}, {}), { pid: process.pid, url: t.url, adminUrl: t.adminUrl, adminToken: t.adminToken });
  });
  afterAll(async () => {
    await t.dispose();
    await hubspot.close();
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
    expect((await admin('GET', '/admin/syncs')).json()).toMatchObject({ syncs: [{ name: 'seats', rows: 120, lastRun: { runId, status: 'succeeded' } }] });
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
});
