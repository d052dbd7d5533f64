import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, assertBuilt, freePort, startServerProcess, waitForExit } from '../support/process.js';

let dir: string;
const env = { TOUCHLINE_WRITE_KEY: 'attr-test-write-key', TOUCHLINE_ADMIN_TOKEN: 'attr-test-admin-token-0123456789' };

function cli(args: string[], config = join(dir, 'touchline.config.json')) {
  const r = spawnSync(process.execPath, [BIN, ...args, '--data-dir', join(dir, 'data'), '--config', config], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    cwd: dir,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const at = (d: number, h = 10) => new Date(Date.UTC(2026, 2, 1 + d, h)).toISOString();
const page = (id: string, anon: string, t: string, url: string, referrer?: string) =>
  JSON.stringify({ type: 'page', messageId: id, anonymousId: anon, timestamp: t, context: { page: { url, ...(referrer ? { referrer } : {}) } } });

beforeAll(async () => {
  assertBuilt();
  dir = await mkdtemp(join(tmpdir(), 'touchline-attr-cli-'));
  await writeFile(
    join(dir, 'touchline.config.json'),
    JSON.stringify({
      tracker: { siteDomains: ['shop.test'] },
      attribution: {
        conversions: [
          { name: 'Purchase', events: ['Order Completed'], value: 'revenue', currency: 'EUR' },
          { name: 'Opportunity', events: ['Opportunity Created'] },
        ],
      },
    }),
  );
  const events = [
    page('e1', 'a1', at(0), 'https://shop.test/?utm_source=google&utm_medium=cpc'),
    JSON.stringify({ type: 'identify', messageId: 'e2', anonymousId: 'a1', userId: 'u1', timestamp: at(0, 11), traits: { email: 'ann@corp.test' } }),
    page('e3', 'a2', at(2), 'https://shop.test/', 'https://www.linkedin.com/'),
    JSON.stringify({ type: 'identify', messageId: 'e4', anonymousId: 'a2', userId: 'u2', timestamp: at(2, 11), traits: { email: 'bo@corp.test' } }),
    page('e5', 'a1', at(5), 'https://shop.test/?utm_source=newsletter&utm_medium=email'),
    JSON.stringify({ type: 'track', event: 'Order Completed', messageId: 'e6', anonymousId: 'a1', userId: 'u1', timestamp: at(5, 12), properties: { revenue: 80, currency: 'EUR' } }),
    JSON.stringify({ type: 'track', event: 'Order Completed', messageId: 'e7', anonymousId: 'a2', userId: 'u2', timestamp: at(6, 12), properties: { revenue: 50, currency: 'USD' } }),
  ];
  await writeFile(join(dir, 'events.ndjson'), events.join('\n') + '\n');
  // A CRM export: no type column, emails instead of user ids.
  await writeFile(join(dir, 'crm.csv'), 'Email,Name,Amount,Currency,Created At,Opportunity Id\nBo@Corp.test,Opportunity Created,"1,200.50",eur,2026-03-20,opp-1\nann@corp.test,Opportunity Created,300,EUR,2026-03-21,opp-2\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const expectedOpportunities = {
  first_touch: { 'Paid Search': { conversions: 1, value: 300 }, 'Organic Social': { conversions: 1, value: 1200.5 } },
  last_touch: { Email: { conversions: 1, value: 300 }, 'Organic Social': { conversions: 1, value: 1200.5 } },
};

describe('touchline attribute without a running server', () => {
  it('imports events and CRM conversions (detected by their columns), then attributes them', () => {
    const imported = cli(['import', join(dir, 'events.ndjson')]);
    expect(imported.out).toMatch(/imported 7 events .*: 7 accepted/);
    const crm = cli(['import', join(dir, 'crm.csv')]);
    expect(crm.err).toBe('');
    expect(crm.out).toMatch(/imported 2 conversions .*: 2 accepted, 0 duplicates, 0 quarantined/);
    // Imported again: the same message ids, stored once.
    expect(cli(['import', join(dir, 'crm.csv'), '--conversions']).out).toMatch(/imported 2 conversions/);
    expect(JSON.parse(cli(['sql', "select count(*) as n from events where message_id like 'crm-%'", '--format', 'json']).out)).toEqual([{ n: 2 }]);

    const r = cli(['attribute', '--model', 'first,last', '--conversion', 'Opportunity Created', '--format', 'json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const models = JSON.parse(r.out) as { model: string; credits: Record<string, unknown> }[];
    expect(Object.fromEntries(models.map((m) => [m.model, m.credits]))).toEqual(expectedOpportunities);
  });

  it('reads conversion definitions from the config: value property, and other currencies left out', () => {
    const r = cli(['attribute', '--model', 'linear', '--format', 'json', '--report', 'all']);
    const all = JSON.parse(r.out) as { models: { credits: Record<string, { conversions: number; value: number }> }[]; totals: { conversions: number; value: number }; notes: string[] };
    // The USD order is left out of "Purchase" (EUR); both opportunities count, with their value.
    expect(all.totals).toMatchObject({ conversions: 3, value: 80 + 1200.5 + 300 });
    expect(all.notes.join(' ')).toMatch(/1 conversion event\(s\) state another currency/);
    // Ann's opportunity comes after her purchase: a fresh path, with no touch since (direct).
    expect(all.models[0]?.credits).toEqual({
      'Paid Search': { conversions: 0.5, value: 40 },
      Email: { conversions: 0.5, value: 40 },
      Direct: { conversions: 1, value: 300 },
      'Organic Social': { conversions: 1, value: 1200.5 },
    });
  });

  it('prints a side-by-side table with a bar chart, and CSV', () => {
    const t = cli(['attribute', '--model', 'first,last,linear,time_decay,position,markov,shapley', '--lookback', '30d', '--half-life', '3d', '--position-weights', '30,40,30']);
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/Attribution by channel: 3 conversions, 1,580.50 value, lookback 30 days \(duckdb, sessions stored\)/);
    expect(t.out).toMatch(/first_touch\s+last_touch\s+linear\s+time_decay\s+position_based\s+markov\s+shapley/);
    expect(t.out).toMatch(/Share of conversions \(linear\)/);
    expect(t.out).toMatch(/█/);
    // The credits report (the default) prints no summary, so none was computed.
    expect(t.out).not.toMatch(/Top conversion paths|Time to convert|Touches to convert/);
    const all = cli(['attribute', '--model', 'first,linear', '--report', 'all']);
    expect(all.out).toMatch(/first_touch\s+linear/);
    expect(all.out).toMatch(/Top conversion paths\n\s+1\. /);
    expect(all.out).toMatch(/Time to convert \(days from the first touch on the path\): median \d/);
    expect(all.out).toMatch(/Touches to convert: median \d/);
    const paths = cli(['attribute', '--model', 'linear', '--report', 'paths']);
    expect(paths.out).toMatch(/Top conversion paths/);
    expect(paths.out).not.toMatch(/Share of conversions|Time to convert/);
    const csv = cli(['attribute', '--model', 'last', '--by', 'source_medium', '--format', 'csv', '--conversion', 'Opportunity Created']);
    expect(csv.out.trim().split('\n')).toEqual(['model,source_medium,conversions,value', 'last_touch,linkedin.com / referral,1,1200.5', 'last_touch,newsletter / email,1,300']);
  });

  it('attributes a paths file without any warehouse, and names a bad line', async () => {
    const file = join(dir, 'paths.ndjson');
    await writeFile(file, '{"path": ["Paid Search", "Email"], "conversions": 2, "value": 90}\n{"path": ["Display"], "conversions": 1}\n');
    const r = cli(['attribute', '--paths', file, '--model', 'first,linear', '--format', 'json']);
    expect(JSON.parse(r.out)).toEqual([
      { model: 'first_touch', credits: { 'Paid Search': { conversions: 2, value: 90 }, Display: { conversions: 1, value: 0 } } },
      { model: 'linear', credits: { 'Paid Search': { conversions: 1, value: 45 }, Email: { conversions: 1, value: 45 }, Display: { conversions: 1, value: 0 } } },
    ]);
    await writeFile(file, '{"path": ["A"], "conversion": 2}\n');
    const bad = cli(['attribute', '--paths', file, '--model', 'linear']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/paths\.ndjson:1:/);
  });

  it('--paths: direct touches ignored beside others by default (GA4), credited on request, from flags or the config', async () => {
    const file = join(dir, 'direct-paths.ndjson');
    await writeFile(
      file,
      [
        { path: ['Email', 'Direct', 'Paid Search', '(DIRECT)'], conversions: 1 },
        { path: ['(direct)'], conversions: 1 },
        { path: [], conversions: 2 },
        { path: ['Typed'], conversions: 1 },
      ].map((p) => JSON.stringify(p)).join('\n'),
    );
    const run = (args: string[], config?: string) => {
      const r = cli(['attribute', '--paths', file, '--model', 'linear,markov', '--format', 'json', ...args], config);
      expect(r.err).toBe('');
      return Object.fromEntries((JSON.parse(r.out) as { model: string; credits: Record<string, { conversions: number }> }[]).map((m) => [m.model, m.credits]));
    };
    const round = (x: number) => Math.round(x * 1e9) / 1e9;
    const conversions = (c: Record<string, { conversions: number }> | undefined) => Object.fromEntries(Object.entries(c ?? {}).map(([k, x]) => [k, round(x.conversions)]));
    const third = round(1 / 3);
    // The all-direct path and the two empty ones credit (direct); Direct and (DIRECT) beside others get nothing.
    expect(conversions(run([]).linear)).toEqual({ Email: 0.5, 'Paid Search': 0.5, '(direct)': 3, Typed: 1 });
    expect(conversions(run(['--direct', 'credit']).linear)).toEqual({ Email: 0.25, Direct: 0.25, 'Paid Search': 0.25, '(DIRECT)': 0.25, '(direct)': 3, Typed: 1 });
    // Labels replace the defaults (the empty-path bucket, (direct), always counts): Typed is direct now, Direct is not.
    expect(conversions(run(['--direct-labels', 'typed']).linear)).toEqual({ Email: third, Direct: third, 'Paid Search': third, '(direct)': 3, Typed: 1 });
    // Markov: the empty paths go to (direct), or into the chain.
    expect(conversions(run([]).markov)['(direct)']).toBeGreaterThanOrEqual(2);
    const spread = conversions(run(['--markov-empty-paths', 'redistribute']).markov);
    expect(Object.values(spread).reduce((a, b) => a + b, 0)).toBeCloseTo(5, 9);
    expect(spread['Typed']).toBeGreaterThan(1);
    // The same conventions from the config; a flag still wins.
    const config = join(dir, 'direct.config.json');
    await writeFile(config, JSON.stringify({ attribution: { direct: 'credit', markov: { emptyPaths: 'redistribute' } } }));
    expect(conversions(run([], config).linear)).toEqual(conversions(run(['--direct', 'credit']).linear));
    expect(conversions(run([], config).markov)).toEqual(conversions(run(['--direct', 'credit', '--markov-empty-paths', 'redistribute']).markov));
    expect(conversions(run(['--direct', 'ignore'], config).linear)).toEqual({ Email: 0.5, 'Paid Search': 0.5, '(direct)': 3, Typed: 1 });
    await writeFile(config, JSON.stringify({ attribution: { directLabels: ['typed'] } }));
    expect(conversions(run([], config).linear)['Typed']).toBe(1);
    expect(conversions(run([], config).linear)['Direct']).toBe(third);
    await writeFile(config, JSON.stringify({ attribution: { direct: 'sometimes' } }));
    expect(cli(['attribute', '--paths', file], config).err).toMatch(/attribution\.direct/);
  });

  it('explains bad flags', () => {
    expect(cli(['attribute', '--direct', 'maybe']).err).toMatch(/--direct: ignore or credit \(got "maybe"\)/);
    expect(cli(['attribute', '--direct-labels', 'direct,,none']).err).toMatch(/--direct-labels: a comma-separated list of non-empty labels/);
    expect(cli(['attribute', '--markov-empty-paths', 'spread']).err).toMatch(/--markov-empty-paths: direct or redistribute/);
    expect(cli(['attribute', '--report', 'everything']).err).toMatch(/--report must be one of credits, paths, conversion-time, all/);
    expect(cli(['attribute', '--model', 'first,magic']).err).toMatch(/unknown model "magic"/);
    expect(cli(['attribute', '--by', 'nope']).err).toMatch(/unknown level "nope"/);
    expect(cli(['attribute', '--lookback', 'soon']).err).toMatch(/--lookback: "soon" is not a duration/);
    expect(cli(['attribute', '--position-weights', '50,50,50']).err).toMatch(/add up to 100/);
  });
});

describe('touchline attribute with a running server', () => {
  it('gives the same answer through POST /admin/attribute while the server holds the database', async () => {
    const offline = cli(['attribute', '--model', 'first,last', '--conversion', 'Opportunity Created', '--format', 'json']);
    const server = await startServerProcess(join(dir, 'data'), await freePort(), env);
    try {
      const online = cli(['attribute', '--model', 'first,last', '--conversion', 'Opportunity Created', '--format', 'json']);
      expect(online.err).toBe('');
      expect(JSON.parse(online.out)).toEqual(JSON.parse(offline.out));
      const bad = await fetch(`${server.adminUrl}/admin/attribute`, {
        method: 'POST',
        headers: { authorization: `Bearer ${env.TOUCHLINE_ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ models: ['linear'], level: 'nope' }),
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { message: string }).message).toMatch(/unknown level/);
    } finally {
      server.proc.kill('SIGTERM');
      await waitForExit(server.proc);
    }
  });
});
