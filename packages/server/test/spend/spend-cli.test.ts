import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, assertBuilt } from '../support/process.js';

let dir: string;

/** Runs the built CLI, as a user would (no server: the warehouse is opened directly). */
function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args, '--data-dir', join(dir, 'data')], { encoding: 'utf8', cwd: dir, env: { ...process.env, TOUCHLINE_ADMIN_TOKEN: 'spend-cli-admin-token-0123456789' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  assertBuilt();
  dir = await mkdtemp(join(tmpdir(), 'touchline-spend-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('touchline spend', () => {
  it('imports spend and rates, names bad lines and exits 1, then prices attribution rows in the reporting currency', async () => {
    await writeFile(join(dir, 'touchline.config.json'), JSON.stringify({ attribution: { reportingCurrency: 'EUR' } }));
    const spend = join(dir, 'spend.csv');
    await writeFile(spend, ['date,network,account,campaign_id,campaign_name,cost,currency', '2026-01-02,meta,act_1,222,Spring Sale,100,USD', '2026-01-03,meta,act_1,223,Bad,12;DROP TABLE ad_spend,USD'].join('\n'));
    const bad = cli(['spend', 'import', spend, '--no-progress']);
    expect(bad.err).toBe('');
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('read 2 rows from');
    expect(bad.out).toContain('1 written, 1 day(s) replaced');
    expect(bad.out).toMatch(/line 3: cost: "12;DROP TABLE ad_spend" is not a decimal amount/);
    const rates = join(dir, 'rates.csv');
    await writeFile(rates, 'date,from_currency,to_currency,rate\n2026-01-02,USD,EUR,0.9\n');
    expect(cli(['spend', 'rates', rates])).toMatchObject({ code: 0, out: expect.stringContaining('1 rate(s) written') });
    const campaigns = join(dir, 'campaigns.csv');
    await writeFile(campaigns, 'network,campaign_id,campaign_name,channel_type,ad_network_type\ngoogle_ads,555,PMax EU,performance_max,mixed\ngoogle_ads,,No id,SEARCH,\n');
    expect(cli(['spend', 'campaigns', campaigns])).toMatchObject({ code: 1, out: expect.stringMatching(/1 campaign\(s\) written[^]*line 3: campaign_id is missing/) });
    const unmatched = cli(['spend', 'unmatched', '--format', 'json']);
    expect(unmatched.code).toBe(0);
    expect(JSON.parse(unmatched.out).unmatchedSpend).toEqual([
      { network: 'meta', campaignId: '222', campaignName: 'Spring Sale', currency: 'USD', cost: '100', days: 1, firstDate: '2026-01-02', lastDate: '2026-01-02' },
    ]);
    const r = cli(['attribute', '--with-spend', '--model', 'last', '--format', 'csv']);
    expect(r.err).toBe('');
    expect(r.out.trim().split('\n')).toEqual(['model,channel,conversions,value,cost,cpa,roas,currency', 'last_touch,(unmatched spend),0,0,90,,0,EUR']);
  });

  it('refuses an unknown subcommand and a missing file with the usage', () => {
    expect(cli(['spend', 'frobnicate']).err).toContain('unknown spend command "frobnicate"');
    expect(cli(['spend', 'import']).err).toContain('usage: touchline spend import <file.csv>');
  });
});
