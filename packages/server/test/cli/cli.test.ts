import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '../../src/config/config.js';
import { BIN, assertBuilt, freePort, startServerProcess, waitForExit, type RunningServer } from '../support/process.js';

let dir: string;
const env = { TOUCHLINE_WRITE_KEY: 'cli-test-write-key', TOUCHLINE_ADMIN_TOKEN: 'cli-test-admin-token-0123456789' };

/** Runs the built CLI, as a user would. */
function cli(args: string[], extraEnv: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args, '--data-dir', join(dir, 'data')], {
    env: { ...process.env, ...env, ...extraEnv },
    encoding: 'utf8',
    cwd: dir,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  assertBuilt();
  dir = await mkdtemp(join(tmpdir(), 'touchline-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('configuration', () => {
  it('layers file < environment < flags, and names every invalid key', () => {
    const c = resolveConfig({ port: 1000, dataDir: 'from-file', spool: { maxBytes: 5000 } }, { TOUCHLINE_PORT: '2000', TOUCHLINE_DATA_DIR: 'from-env' }, { port: '3000' });
    expect(c.port).toBe(3000);
    expect(c.dataDir).toBe('from-env');
    expect(c.spool.maxBytes).toBe(5000);
    expect(c.limits.maxEventBytes).toBe(32 * 1024);
    expect(() => resolveConfig({ port: 'x', bogus: 1 }, {}, {})).toThrow(ConfigError);
    // Both invalid keys in one message, each named where it is.
    const twoBad = () => resolveConfig({ port: 'x', spool: { maxBytes: -1 } }, {}, {});
    expect(twoBad).toThrow(ConfigError);
    expect(twoBad).toThrow(/\n {2}port: /);
    expect(twoBad).toThrow(/\n {2}spool\.maxBytes: /);
  });
});

describe('the CLI without a running server', () => {
  it('imports NDJSON and CSV through validation and the spool, and summarises what was quarantined', async () => {
    const ndjson = join(dir, 'events.ndjson');
    await writeFile(
      ndjson,
      [
        JSON.stringify({ type: 'track', userId: 'u1', event: 'Order Completed', messageId: 'imp-1', timestamp: '2025-06-01T10:00:00.000Z', properties: { revenue: 10 } }),
        JSON.stringify({ type: 'identify', userId: 'u1', anonymousId: 'a1', messageId: 'imp-2', traits: { email: 'u1@shop.test' } }),
        '{"type": "track", broken json',
        JSON.stringify({ type: 'track', userId: 'u2', messageId: 'imp-4' }),
        JSON.stringify({ type: 'track', userId: 'u1', event: 'Order Completed', messageId: 'imp-1' }),
        '',
      ].join('\n'),
    );
    const r = cli(['import', ndjson]);
    expect(r.err).toBe('');
    // Rows were quarantined: a script sees it in the exit code (test/cli/import-checks.test.ts).
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/imported 5 events from .*: 2 accepted, 1 duplicates, 2 quarantined/);
    expect(r.out).toMatch(/1 {2}`event` is required on track calls/);
    expect(r.out).toMatch(/1 {2}an event must be a JSON object \(got string\)/);

    const csv = join(dir, 'crm.csv');
    await writeFile(csv, 'type,userId,event,messageId,timestamp,properties.value,properties.stage\ntrack,u1,Opportunity Created,crm-1,2025-09-01T00:00:00.000Z,5000,SQL\ntrack,,Opportunity Created,crm-2,,,\n');
    const c = cli(['import', csv, '--allow-rejects']);
    expect(c.code).toBe(0);
    expect(c.out).toMatch(/imported 2 events .*: 1 accepted, 0 duplicates, 1 quarantined/);

    const q = cli(['sql', "select message_id, event, properties->>'stage' as stage, \"timestamp\" from events order by message_id", '--format', 'csv']);
    expect(q.code).toBe(0);
    expect(q.out.trim().split('\n')).toEqual([
      'message_id,event,stage,timestamp',
      'crm-1,Opportunity Created,SQL,2025-09-01T00:00:00.000Z',
      'imp-1,Order Completed,,2025-06-01T10:00:00.000Z',
      expect.stringMatching(/^imp-2,,,/),
    ]);
    const failed = cli(['sql', 'select count(*) as n from failed_events', '--format', 'json']);
    expect(JSON.parse(failed.out)).toEqual([{ n: 3 }]);
  });

  it('creates and revokes sources, shows status, and refuses writes through sql', () => {
    const created = cli(['sources', 'create', 'ios-app']);
    expect(created.code).toBe(0);
    expect(created.out).toMatch(/^ios-app\s+src_\w+\s+write key \S+/);
    expect(cli(['sources', 'revoke', 'ios-app']).out).toMatch(/ios-app .* revoked/);
    const list = cli(['sources', 'list']).out;
    expect(list).toMatch(/default/);
    expect(list).toMatch(/ios-app .* revoked/);
    const status = cli(['status']);
    expect(status.out).toMatch(/not running/);
    expect(status.out).toMatch(/default\s+3\s+3/);
    const write = cli(['sql', 'delete from events']);
    expect(write.code).toBe(1);
    expect(write.err).toMatch(/only read queries/);
    const bad = cli(['sql', 'select', '--format', 'xml']);
    expect(bad.err).toMatch(/--format must be table, json or csv/);
  });
});

describe('the CLI with a running server', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServerProcess(join(dir, 'data'), await freePort(), env);
  });
  afterAll(async () => {
    server.proc.kill('SIGTERM');
    await waitForExit(server.proc);
  });

  it('queries, imports and reports status through the admin API while the server holds the database', async () => {
    const res = await fetch(`${server.url}/v1/track`, {
      method: 'POST',
      headers: { authorization: 'Basic ' + Buffer.from('cli-test-write-key:').toString('base64'), 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'live', event: 'Live', messageId: 'live-1' }),
    });
    expect(res.status).toBe(200);
    const file = join(dir, 'more.ndjson');
    await writeFile(file, JSON.stringify({ type: 'track', userId: 'u9', event: 'Imported Live', messageId: 'live-2' }) + '\n');
    expect(cli(['import', file]).out).toMatch(/1 accepted/);
    await fetch(`${server.adminUrl}/admin/flush`, { method: 'POST', headers: { authorization: `Bearer ${env.TOUCHLINE_ADMIN_TOKEN}` } });
    const q = cli(['sql', "select message_id from events where message_id like 'live-%' order by 1", '--format', 'json']);
    expect(q.err).toBe('');
    expect(JSON.parse(q.out)).toEqual([{ message_id: 'live-1' }, { message_id: 'live-2' }]);
    const status = cli(['status', '--json']);
    expect(JSON.parse(status.out)).toMatchObject({ engine: 'duckdb', spool: { maxBytes: 1024 ** 3 } });
    const table = cli(['sql', "select 'a|b' as x, 42 as n"]);
    expect(table.out).toMatch(/x\s+\| n/);
    expect(table.out).toMatch(/\(1 row\)/);
  });
});
