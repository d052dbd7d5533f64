/**
 * Spend files imported while a server holds the warehouse: `touchline spend import|rates|campaigns`
 * as an operator runs them, against a real `touchline start` process (the CLI finds it and uploads
 * the file), and `POST /admin/spend/import` attacked directly (who may, what body, what name).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPEND_CSV_LIMIT } from '../../src/admin/spend-routes.js';
import { startHarness, type Harness } from '../support/harness.js';
import { assertBuilt, freePort, operatorCli, startServerProcess, waitForExit, type RunningServer } from '../support/process.js';

const SPEND = ['date,network,account,campaign_id,campaign_name,cost,currency', '2026-01-02,meta,act_1,222,Spring Sale,100,USD', '2026-01-03,meta,act_1,223,Bad,12;DROP TABLE ad_spend,USD'].join('\n');

describe('touchline spend import, rates and campaigns beside a running server', () => {
  let dir: string;
  let server: RunningServer | undefined;
  const cli = (args: string[]) => operatorCli(dir, args);
  beforeAll(async () => {
    assertBuilt();
    dir = await mkdtemp(join(tmpdir(), 'touchline-spend-server-'));
    server = await startServerProcess(join(dir, 'data'), await freePort());
  }, 120_000);
  afterAll(async () => {
    server?.proc.kill('SIGTERM');
    if (server) await waitForExit(server.proc);
    await rm(dir, { recursive: true, force: true });
  });

  it('imports through the server (no stop needed), with the same answers as on the warehouse directly, audited without the file', async () => {
    await writeFile(join(dir, 'spend.csv'), SPEND);
    const bad = cli(['spend', 'import', join(dir, 'spend.csv'), '--no-progress']);
    expect(bad.err).toBe('');
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('read 2 rows from spend.csv: 1 written, 1 day(s) replaced');
    expect(bad.out).toMatch(/line 3: cost: "12;DROP TABLE ad_spend" is not a decimal amount/);
    await writeFile(join(dir, 'rates.csv'), 'date,from_currency,to_currency,rate\n2026-01-02,USD,EUR,0.9\n');
    expect(cli(['spend', 'rates', join(dir, 'rates.csv')])).toMatchObject({ code: 0, out: expect.stringContaining('1 rate(s) written from rates.csv') });
    await writeFile(join(dir, 'campaigns.csv'), 'network,campaign_id,campaign_name\nmeta,222,Spring Sale EU\nmeta,,No id\n');
    expect(cli(['spend', 'campaigns', join(dir, 'campaigns.csv')])).toMatchObject({ code: 1, out: expect.stringMatching(/1 campaign\(s\) written from campaigns\.csv[^]*line 3: campaign_id is missing/) });

    const rows = cli(['sql', `SELECT campaign_id, cost_micros, origin FROM ad_spend`, '--format', 'csv']);
    expect(rows.out.trim().split('\n')).toEqual(['campaign_id,cost_micros,origin', '222,100000000,csv:spend.csv']);
    expect(cli(['sql', 'SELECT count(*) AS n FROM fx_rates', '--format', 'csv']).out.trim().split('\n')).toEqual(['n', '1']);

    const audit = cli(['audit', '--action', 'spend.import', '--format', 'json']);
    expect(audit.code, audit.err).toBe(0);
    const records = JSON.parse(audit.out) as { target: string; params: unknown }[];
    expect(records.map((r) => r.target).sort()).toEqual(['campaigns:campaigns.csv', 'rates:rates.csv', 'spend:spend.csv']);
    expect(records.find((r) => r.target === 'spend:spend.csv')?.params).toEqual({ kind: 'spend', name: 'spend.csv', bytes: Buffer.byteLength(SPEND) });
    expect(audit.out).not.toMatch(/Spring Sale|DROP TABLE/);
  });
});

describe('POST /admin/spend/import', () => {
  let h: Harness;
  let viewer: string;
  let marketer: string;
  beforeAll(async () => {
    h = await startHarness();
    const token = (role: 'viewer' | 'marketer') => {
      const m = h.people.members.add({ name: role, email: `${role}@example.com`, role, startDate: '2020-01-01' });
      return h.people.tokens.create({ memberId: m.id, name: role, scopes: ['read', 'sync'], expiresAt: new Date(Date.now() + 86_400_000), createdBy: 'bootstrap' }).token;
    };
    viewer = token('viewer');
    marketer = token('marketer');
  });
  afterAll(async () => h?.dispose());

  const post = (query: string, body: string, o: { token?: string; type?: string } = {}) =>
    h.adminApp.inject({ method: 'POST', url: `/admin/spend/import?${query}`, headers: { authorization: `Bearer ${o.token ?? marketer}`, 'content-type': o.type ?? 'text/csv' }, payload: body });

  it('a marketer imports; a viewer is refused before anything is written', async () => {
    const denied = await post('kind=spend&name=v.csv', SPEND, { token: viewer });
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ action: 'spend.import' });
    expect(await h.sql(`SELECT count(*) AS n FROM ad_spend`)).toEqual([{ n: 0 }]);
    const ok = await post('kind=spend&name=m.csv', SPEND);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ kind: 'spend', name: 'm.csv', read: 2, written: 1, days: 1, problems: [{ line: 3 }] });
    expect(await h.sql(`SELECT campaign_id, origin FROM ad_spend`)).toEqual([{ campaign_id: '222', origin: 'csv:m.csv' }]);
  });

  it('refuses an unknown kind, a name with folders or control characters, a JSON body, and a file over the limit', async () => {
    expect((await post('kind=orders', SPEND)).json()).toMatchObject({ error: 'bad_request', message: expect.stringMatching(/kind/) });
    for (const name of ['../../etc/passwd', 'a\\b.csv', 'x\u0000.csv', 'line\nbreak.csv', 'x'.repeat(201)]) {
      const r = await post(new URLSearchParams({ kind: 'spend', name }).toString(), SPEND);
      expect(r.statusCode, name).toBe(400);
      expect(r.json().message).toMatch(/name/);
    }
    expect((await post('kind=spend', JSON.stringify({ rows: [] }), { type: 'application/json' })).statusCode).toBe(415);
    const huge = 'date,network\n' + 'x'.repeat(SPEND_CSV_LIMIT);
    const tooLarge = await post('kind=spend', huge);
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.json()).toMatchObject({ limitBytes: SPEND_CSV_LIMIT, limit: 'the limit of /admin/spend/import' });
  });

  it('a CSV sent to another admin route is refused by that route, not read', async () => {
    const r = await h.adminApp.inject({ method: 'POST', url: '/admin/spend/pull', headers: { authorization: `Bearer ${marketer}`, 'content-type': 'text/csv' }, payload: 'a,b\n1,2\n' });
    expect(r.statusCode).toBe(400);
  });
});
