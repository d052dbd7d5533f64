import { startGoogleAdsReportingStandIn, startMetaInsightsStandIn, type GoogleAdsReportingStandIn, type MetaInsightsStandIn } from '@touchline/destinations/testing';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '../../src/config/config.js';
import { oauthAccount } from '../../src/connections/oauth-apps.js';
import { pullContexts, pullTargets } from '../../src/spend/pull/pull-context.js';
import { runSpendPull, type PullTarget } from '../../src/spend/pull/pull-runner.js';
import { startSpendPulls } from '../../src/spend/pull/pull-schedule.js';
import { pullWindow } from '../../src/spend/pull/pull-window.js';
import { SPEND_SOURCES } from '../../src/spend/pull/sources.js';
import type { SpendSource } from '../../src/spend/pull/spend-source.js';
import { startHarness } from '../support/harness.js';
import { BIN, assertBuilt } from '../support/process.js';
import { tempDuckDBWarehouse, type DisposableWarehouse } from '../support/warehouses.js';
import { pullHarness, spendByDay } from './pull-support.js';

const log = Object.assign(() => undefined, { level: 'info' as const, debug: () => undefined, warn: () => undefined, error: () => undefined });

describe('the pull window', () => {
  it('is the last N days by default, reaches back to close a gap since the last pulled day, and never past the catch-up limit', () => {
    expect(pullWindow({ today: '2026-11-05', lookbackDays: 7, lastPulled: null })).toEqual({ since: '2026-10-30', until: '2026-11-05' });
    expect(pullWindow({ today: '2026-11-05', lookbackDays: 7, lastPulled: '2026-11-04' })).toEqual({ since: '2026-10-30', until: '2026-11-05' });
    expect(pullWindow({ today: '2026-11-05', lookbackDays: 7, lastPulled: '2026-10-20' })).toEqual({ since: '2026-10-21', until: '2026-11-05' });
    expect(pullWindow({ today: '2026-11-05', lookbackDays: 7, lastPulled: '2025-01-01', maxCatchUpDays: 30 })).toEqual({ since: '2026-10-07', until: '2026-11-05' });
    expect(pullWindow({ today: '2026-03-01', lookbackDays: 3, lastPulled: null })).toEqual({ since: '2026-02-27', until: '2026-03-01' });
  });
  it('takes --since/--until as they are (a backfill), and refuses days that are not days or run backwards', () => {
    expect(pullWindow({ today: '2026-11-05', lookbackDays: 7, lastPulled: '2026-11-05', since: '2026-01-01', until: '2026-01-31' })).toEqual({ since: '2026-01-01', until: '2026-01-31' });
    expect(pullWindow({ today: '2026-11-05', lookbackDays: 7, lastPulled: null, since: '2026-02-30' })).toHaveProperty('error');
    expect(pullWindow({ today: '2026-11-05', lookbackDays: 7, lastPulled: null, since: "2026-01-01' --" })).toHaveProperty('error');
    expect(pullWindow({ today: '2026-11-05', lookbackDays: 7, lastPulled: null, since: '2026-11-06' })).toHaveProperty('error');
  });
});

describe('the pull runner on DuckDB', () => {
  let w: DisposableWarehouse;
  let api: GoogleAdsReportingStandIn;
  beforeAll(async () => {
    w = await tempDuckDBWarehouse('touchline-pull-runner');
    await w.warehouse.migrate();
    api = await startGoogleAdsReportingStandIn({ developerToken: 'dev' });
  });
  afterAll(async () => {
    await api.close();
    await w.dispose();
  });

  it('remembers the last pulled day per account: after a pause the next default pull reaches back to it', async () => {
    const h = pullHarness(Date.parse('2026-11-05T09:00:00Z'));
    const deps = { warehouse: w.warehouse, sources: SPEND_SOURCES, clock: h.clock, lookbackDays: 2, context: () => h.context(api.url, { developerToken: 'dev' }) };
    const t: PullTarget = { name: 'g', network: 'google_ads', accounts: ['1111111111', '2222222222'] };
    expect((await runSpendPull(deps, [t], { account: '1111111111' })).map((o) => [o.account, o.since, o.until])).toEqual([['1111111111', '2026-11-04', '2026-11-05']]);
    h.clock.advance(10 * 86_400_000);
    const outs = await runSpendPull(deps, [t]);
    // The account pulled before goes on from the day after; the other, never pulled, takes the last 2 days.
    expect(outs.map((o) => [o.account, o.since, o.until])).toEqual([['1111111111', '2026-11-06', '2026-11-15'], ['2222222222', '2026-11-14', '2026-11-15']]);
  });

  it('one account failing stops no other, and a source answering rows of another day is a contract breach that writes nothing', async () => {
    const h = pullHarness(Date.parse('2026-11-05T09:00:00Z'));
    const row = { network: 'google_ads', account: '3333333333', campaignId: '1', campaignName: null, adGroupId: '', adGroupName: null, costMicros: 5n, currency: 'EUR', impressions: null, clicks: null, networkConversions: null, networkConversionValue: null };
    const stray: SpendSource = { network: 'google_ads', scopes: [], async *pull() { yield { rows: [{ ...row, date: '2026-10-01' }], campaigns: [] }; } };
    const outs = await runSpendPull(
      { warehouse: w.warehouse, sources: { google_ads: stray }, clock: h.clock, lookbackDays: 1, context: () => h.context(api.url) },
      [{ name: 'g', network: 'google_ads', accounts: ['3333333333'] }, { name: 'x', network: 'tiktok', accounts: ['42'] }],
    );
    expect(outs).toMatchObject([{ ok: false, failure: 'contract', message: expect.stringContaining('2026-10-01') }, { ok: false, failure: 'refused', message: expect.stringContaining('no spend source for network "tiktok"') }]);
    expect((await spendByDay(w.warehouse, 'google_ads')).size).toBe(0);
  });

  it('the schedule pulls when due on its own clock, and a manual schedule never does', async () => {
    const h = pullHarness(Date.parse('2026-11-05T04:59:00Z'));
    const pulls: number[] = [];
    const spend = resolveConfig({ spend: { pull: { schedule: { cron: '0 5 * * *' }, connections: { g: { network: 'google_ads', accounts: ['1111111111'], credentials: { accessToken: 't' } } } } } }, {}, {}).spend;
    const s = startSpendPulls({ spend, clock: h.clock, log, schedule: true, pull: async () => (pulls.push(h.clock.now()), []) });
    h.clock.advance(60_000);
    expect(pulls).toHaveLength(0); // due at 05:00:00, seen at the next tick
    h.clock.advance(30_000);
    await Promise.resolve();
    expect(pulls.map((t) => new Date(t).toISOString())).toEqual(['2026-11-05T05:00:30.000Z']);
    expect(new Date(s.nextDue()!).toISOString()).toBe('2026-11-06T05:00:00.000Z');
    await s.close();
    const manual = startSpendPulls({ spend: { pull: { ...spend.pull, schedule: 'manual' } }, clock: h.clock, log, schedule: true, pull: async () => (pulls.push(0), []) });
    h.clock.advance(3 * 86_400_000);
    expect(manual.nextDue()).toBeNull();
    expect(pulls).toHaveLength(1);
    await manual.close();
  });
});

describe('spend.pull configuration and the connect flow', () => {
  const destinations = { li: { type: 'linkedin-conversions', config: { conversionRuleId: '104012' }, oauth: { clientId: 'cid', clientSecret: 'env:LI_SECRET' } } };
  it('resolves credential references, takes a token from a connected destination, and refuses what cannot work', async () => {
    const c = resolveConfig({ destinations, spend: { pull: { connections: {
      gads: { network: 'google_ads', accounts: ['123-456-7890'], connection: 'li', credentials: { developerToken: 'env:GADS_DEV', loginCustomerId: '9998887777' } },
      meta: { network: 'meta', accounts: ['act_1'], credentials: { accessToken: 'file:/run/secrets/meta' } },
    } } } }, { GADS_DEV: 'dev-xyz', LI_SECRET: 's' }, {}, (path) => (path === '/run/secrets/meta' ? 'meta-token\n' : ''));
    expect(c.spend.pull.lookbackDays).toBe(7);
    expect(c.spend.pull.connections['gads']!.credentials).toEqual({ developerToken: 'dev-xyz', loginCustomerId: '9998887777' });
    const contexts = pullContexts(c.spend, { fetch, clock: pullHarness().clock, sleep: async () => undefined, auth: (d) => (d === 'li' ? { canRefresh: true, token: async () => ({ ok: true, token: { accessToken: 'from-grant' } }), rejected: async () => ({ ok: false, failure: { kind: 'reconnect_required', provider: 'linkedin', code: 'X', reason: 'x' } }), state: () => ({ status: 'ok', provider: 'linkedin' }) } as never : undefined) });
    const [gads, meta] = pullTargets(c.spend);
    expect(await contexts(gads!).accessToken()).toBe('from-grant');
    expect(await contexts(meta!).accessToken()).toBe('meta-token');
    expect(contexts(meta!).credentials).toEqual({});
    const bad = (spend: unknown) => () => resolveConfig({ destinations, spend }, { LI_SECRET: 's' }, {});
    expect(bad({ pull: { connections: { x: { network: 'google_ads', accounts: ['1'], connection: 'nope' } } } })).toThrow(/connection: no destination "nope"/);
    expect(bad({ pull: { connections: { x: { network: 'google_ads', accounts: ['1'] } } } })).toThrow(/set connection .* or credentials.accessToken/);
    expect(bad({ pull: { connections: { x: { network: 'myspace', accounts: ['1'], credentials: { accessToken: 't' } } } } })).toThrow(ConfigError);
    expect(bad({ pull: { schedule: { after: 'nightly' } } })).toThrow(/runs after no sync/);
    expect(bad({ pull: { connections: { x: { network: 'meta', accounts: ['1'], credentials: { accessToken: 'env:UNSET_META' } } } } })).toThrow(/UNSET_META is not set/);
  });

  it('a destination a spend pull reads through is asked for the reporting scopes as well', () => {
    const account = { type: 'linkedin-conversions' as const, config: {}, environment: 'production' as const, oauth: { clientId: 'cid' } };
    expect(oauthAccount('li', account).scopes).not.toContain('r_ads_reporting');
    expect(oauthAccount('li', account, ['activation', 'reporting']).scopes).toEqual(['rw_conversions', 'r_ads', 'r_ads_reporting']);
  });
});

describe('touchline spend pull (the built CLI, no server running)', () => {
  let dir: string;
  let meta: MetaInsightsStandIn;
  beforeAll(async () => {
    assertBuilt();
    dir = await mkdtemp(join(tmpdir(), 'touchline-spend-pull-cli-'));
    // One poll: the CLI waits for real (2 s) before its first look at the job.
    meta = await startMetaInsightsStandIn({ pollsToComplete: 1, currency: 'EUR' });
  });
  afterAll(async () => {
    await meta.close();
    await rm(dir, { recursive: true, force: true });
  });
  const cli = (args: string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      execFile(process.execPath, [BIN, 'spend', 'pull', ...args, '--no-progress', '--data-dir', join(dir, 'data')], { cwd: dir, encoding: 'utf8', env: { ...process.env, META_TOKEN: 'test-token' } }, (error, out, err) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out, err }));
    });

  it('pulls the configured account, says what it wrote, and names the fix of a failure with exit 1', async () => {
    const today = new Date().toISOString().slice(0, 10);
    meta.put('55', [{ date: today, campaignId: '9', campaignName: 'Retargeting', spend: '12.34' }]);
    const connections = { fb: { network: 'meta', accounts: ['act_55'], baseUrl: meta.url, credentials: { accessToken: 'env:META_TOKEN' } } };
    await writeFile(join(dir, 'touchline.config.json'), JSON.stringify({ spend: { pull: { lookbackDays: 1, connections } } }));
    const ok = await cli([]);
    expect(ok).toMatchObject({ code: 0, err: '' });
    expect(ok.out.trim()).toBe(`meta act_55 ${today}..${today}: 1 row(s), 1 day(s) replaced, 1 campaign(s)`);
    await writeFile(join(dir, 'touchline.config.json'), JSON.stringify({ spend: { pull: { connections: { fb: { ...connections.fb, accounts: ['act_55/../me'] } } } } }));
    const bad = await cli(['--format', 'json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out).outcomes).toMatchObject([{ ok: false, failure: 'refused', fix: expect.stringContaining('spend.pull.connections.fb') }]);
  });
});

describe('POST /admin/spend/pull (a server holding the warehouse)', () => {
  it('pulls through the server, refuses a network no connection pulls, and a body that is no filter', async () => {
    const meta = await startMetaInsightsStandIn({ pollsToComplete: 1 });
    const today = new Date().toISOString().slice(0, 10);
    meta.put('77', [{ date: today, campaignId: '5', campaignName: 'Lookalike', spend: '3.50' }]);
    const h = await startHarness({ spend: { pull: { lookbackDays: 1, connections: { fb: { network: 'meta', accounts: ['act_77'], baseUrl: meta.url, credentials: { accessToken: 'test-token' } } } } } });
    try {
      const post = (payload: unknown) => h.adminApp.inject({ method: 'POST', url: '/admin/spend/pull', headers: { authorization: `Bearer ${h.adminToken}` }, payload: payload as Record<string, unknown> });
      const ok = await post({});
      expect(ok.statusCode).toBe(200);
      expect(ok.json().outcomes).toMatchObject([{ ok: true, network: 'meta', account: 'act_77', rows: 1, days: 1 }]);
      expect(await h.sql(`SELECT campaign_id, cost_micros FROM ad_spend`)).toEqual([{ campaign_id: '5', cost_micros: 3_500_000 }]);
      expect((await post({ network: 'tiktok' })).json()).toMatchObject({ error: 'bad_request', message: expect.stringContaining('no spend connection pulls it') });
      expect((await post({ since: "2026-01-01' OR 1=1" })).statusCode).toBe(400);
      expect(meta.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    } finally {
      await h.dispose();
      await meta.close();
    }
  });
});
