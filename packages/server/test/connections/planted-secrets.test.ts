/**
 * A running Touchline with credentials by reference and a destination connected through the
 * admin listener's OAuth callback: a sync sends with the grant's token, and the recognisable
 * secrets planted in the environment, a secret file and the grant are nowhere in clear — not in
 * the warehouse, the log, a dry run, the status answers or the audit log.
 */
import { startHubspotOAuthStandIn, startHubspotStandIn, type HubspotStandIn, type OAuthStandIn } from '@touchline/destinations/testing';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/config.js';
import { startTouchline, type Touchline } from '../../src/server.js';

const STATIC_SECRET = 'pat-planted-STATIC-7f3a9c2e1b';
const CLIENT_SECRET = 'client-planted-SECRET-4d8e0a';
const LITERAL_SECRET = 'pat-planted-LITERAL-55aa77cc';

describe('planted secrets stay out of every output', () => {
  let dir: string;
  let oauth: OAuthStandIn;
  let viaOAuth: HubspotStandIn;
  let viaToken: HubspotStandIn;
  let t: Touchline;
  const lines: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'touchline-planted-'));
    oauth = await startHubspotOAuthStandIn({ clientSecret: CLIENT_SECRET });
    viaOAuth = await startHubspotStandIn({ tokens: oauth.authority });
    viaToken = await startHubspotStandIn({ accessToken: STATIC_SECRET });
    await writeFile(join(dir, 'client-secret'), `${CLIENT_SECRET}\n`, { mode: 0o600 });
    const source = (n: number) => ({ sql: `SELECT 'p' || i || '@example.com' AS email, i AS n FROM range(${n}) r(i)` });
    const config = resolveConfig(
      {
        dataDir: join(dir, 'data'), port: 0, host: '127.0.0.1', admin: { port: 0 },
        destinations: {
          hs: { type: 'hubspot', config: { endpoint: viaOAuth.url, properties: { n: 'feature_x_uses' } },
                oauth: { clientId: 'client-id', clientSecret: `file:${join(dir, 'client-secret')}`, tokenUrl: `${oauth.url}/oauth/v3/token` } },
          static: { type: 'hubspot', config: { endpoint: viaToken.url, accessToken: 'env:HS_STATIC', properties: { n: 'feature_x_uses' } } },
          literal: { type: 'hubspot', config: { endpoint: viaToken.url, accessToken: LITERAL_SECRET, properties: { n: 'feature_x_uses' } } },
        },
        syncs: {
          'to-oauth': { destination: 'hs', source: source(30), primaryKey: 'email', mode: 'upsert' },
          'to-static': { destination: 'static', source: source(20), primaryKey: 'email', mode: 'upsert' },
        },
      },
      { HS_STATIC: STATIC_SECRET },
      {},
    );
    t = await startTouchline(config, { listen: false, log: (msg, fields) => lines.push(`${msg} ${JSON.stringify(fields ?? {})}`) });
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([oauth, viaOAuth, viaToken].map((s) => s?.close()));
    await rm(dir, { recursive: true, force: true });
  });

  const admin = (method: 'GET' | 'POST', url: string, payload?: object) =>
    t.adminApp.inject({ method, url, headers: { authorization: `Bearer ${t.adminToken}` }, ...(payload ? { payload } : {}) });

  it('warns at start about the literal credential, naming its key only', () => {
    expect(lines.join('\n')).toContain('destinations.literal.config.accessToken holds a literal credential');
  });

  it('connects through the callback, sends with the grant, and no planted secret or grant token appears anywhere', async () => {
    expect((await admin('GET', '/admin/destinations')).json().destinations).toEqual(
      expect.arrayContaining([expect.objectContaining({ destination: 'hs', state: 'not connected' }), expect.objectContaining({ destination: 'static', state: 'credentials in config' })]),
    );
    const started = await admin('POST', '/admin/destinations/hs/connect');
    expect(started.statusCode).toBe(200);
    const url = new URL(started.json().url as string);
    expect(url.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/admin\/oauth\/callback$/);
    const code = oauth.consent({ redirectUri: url.searchParams.get('redirect_uri')! });
    const callback = `/admin/oauth/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(url.searchParams.get('state')!)}`;
    // The browser brings no admin token: the state is the credential.
    const done = await t.adminApp.inject({ method: 'GET', url: callback });
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('Destination hs is connected to hubspot');
    const replay = await t.adminApp.inject({ method: 'GET', url: callback });
    expect(replay.statusCode).toBe(400);
    expect(replay.body).toContain('unknown or was already used');
    const refused = await t.adminApp.inject({ method: 'GET', url: '/admin/oauth/callback?error=access_denied&state=x' });
    expect(refused.statusCode).toBe(400);
    expect(refused.headers['content-type']).toContain('text/plain');
    // Starting a flow is an admin's action: no token, no flow.
    expect((await t.adminApp.inject({ method: 'POST', url: '/admin/destinations/hs/connect' })).statusCode).toBe(401);

    // Dry runs while there is a diff to show: the requests carry a placeholder, never a token.
    const dryRunOAuth = (await admin('POST', '/admin/syncs/to-oauth/dry-run', { limit: 5 })).body;
    const dryRunStatic = (await admin('POST', '/admin/syncs/to-static/dry-run', { limit: 5 })).body;
    expect(await t.activation.syncs.run('to-oauth')).toMatchObject({ status: 'succeeded', delivered: 30 });
    expect(await t.activation.syncs.run('to-static')).toMatchObject({ status: 'succeeded', delivered: 20 });
    expect(viaOAuth.contacts.size).toBe(30);

    const grant = t.people.store.db.prepare('SELECT count(*) AS n FROM destination_grants').get() as { n: number };
    expect(grant.n).toBe(1);
    const live = oauth.liveRefreshTokens();
    expect(live).toHaveLength(1);
    const minted = viaOAuth.requests.map((r) => /^Bearer (.+)$/.exec(r.headers['authorization'] ?? '')?.[1]).filter((x): x is string => !!x);
    expect(minted.length).toBeGreaterThan(0);
    const planted = [STATIC_SECRET, CLIENT_SECRET, LITERAL_SECRET, live[0]!, ...new Set(minted)];

    // Make every output there is.
    await t.activation.syncs.run('to-static', { full: true });
    const outputs: Record<string, string> = {
      dryRunOAuth,
      dryRunStatic,
      status: (await admin('GET', '/admin/status')).body,
      syncs: (await admin('GET', '/admin/syncs')).body,
      destinations: (await admin('GET', '/admin/destinations')).body,
      history: (await admin('GET', '/admin/syncs/to-oauth/runs?limit=5')).body,
      audit: JSON.stringify(t.people.audit.query({ limit: 1000 })),
      log: lines.join('\n'),
    };
    for (const table of ['sync_runs', 'sync_state', 'sync_row_results']) {
      const r = await t.warehouse.query(`SELECT * FROM ${table}`);
      outputs[table] = JSON.stringify(r.rows, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
      expect(r.rows.length).toBeGreaterThan(0);
    }
    expect(outputs['dryRunStatic']).toContain('Bearer ***');
    expect(outputs['dryRunOAuth']).toContain('Bearer ***');
    expect(outputs['audit']).toContain('destinations.connect');
    for (const [where, text] of Object.entries(outputs)) {
      for (const secret of planted) expect(text.includes(secret), `${where} holds a planted secret`).toBe(false);
    }
  });
});
