/**
 * The people commands as a user runs them: the built CLI against a real `touchline start` process.
 * Bootstrap with the admin token the server keeps in the data dir (this OS user owns it), members
 * and their tokens, a viewer refused what it may not do, `touchline login` storing a token 0600,
 * disabling the admin token, revocation, the audit trail and its verification, and the offline
 * mode's use recorded by the next start.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, assertBuilt, freePort, startServerProcess, waitForExit, type RunningServer } from '../support/process.js';

let dir: string;
let server: RunningServer | undefined;
const data = () => join(dir, 'data');
/** Each run gets its own config home: nothing of the user's ~/.config is read or written. */
const home = () => join(dir, 'config-home');

function cli(args: string[], env: Record<string, string> = {}, input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args, '--data-dir', data()], {
    env: { ...process.env, TOUCHLINE_TOKEN: '', TOUCHLINE_ADMIN_TOKEN: '', XDG_CONFIG_HOME: home(), ...env },
    encoding: 'utf8',
    cwd: dir,
    ...(input === undefined ? {} : { input }),
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const ok = (r: ReturnType<typeof cli>) => {
  expect(r.code, `${r.out}\n${r.err}`).toBe(0);
  return r.out;
};
const tokenIn = (out: string) => /tl_pat_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/.exec(out)![0];

async function start(): Promise<void> {
  server = await startServerProcess(data(), await freePort());
}
async function stop(): Promise<void> {
  server?.proc.kill('SIGTERM');
  if (server) await waitForExit(server.proc);
  server = undefined;
}

beforeAll(async () => {
  assertBuilt();
  dir = await mkdtemp(join(tmpdir(), 'touchline-people-cli-'));
});
afterAll(async () => {
  await stop();
  await rm(dir, { recursive: true, force: true });
});

describe('touchline members, tokens, login, audit, admin-token', () => {
  let owner = '';
  let viewer = '';

  it('records an offline use of the warehouse at the next start', async () => {
    await start();
    await stop();
    expect(ok(cli(['sql', 'select 40 + 2 as answer']))).toContain('42');
    expect(existsSync(join(data(), 'audit-queue.ndjson'))).toBe(true);
    await start();
    expect(existsSync(join(data(), 'audit-queue.ndjson'))).toBe(false);
  }, 90_000);

  it('bootstraps an owner and a viewer with the admin token, each with a token shown once', () => {
    ok(cli(['members', 'add', 'olga@example.com', '--name', 'Olga Owner', '--role', 'owner', '--start', '2024-01-01']));
    ok(cli(['members', 'add', 'vic@example.com', '--name', 'Vic', '--role', 'viewer']));
    owner = tokenIn(ok(cli(['tokens', 'create', '--member', 'olga@example.com', '--name', 'laptop', '--scopes', 'read,analyze,sync,admin'])));
    viewer = tokenIn(ok(cli(['tokens', 'create', '--member', 'vic@example.com', '--scopes', 'read'])));
    const listed = ok(cli(['tokens', 'list', '--member', 'olga@example.com']));
    expect(listed).toContain('laptop');
    expect(listed).not.toContain(owner.slice(24));
    expect(ok(cli(['members', 'list']))).toMatch(/olga@example\.com\s+owner/);
  });

  it('lets a viewer read but not manage, saying which rule refused', () => {
    expect(ok(cli(['status'], { TOUCHLINE_TOKEN: viewer }))).toContain('Touchline at');
    const refused = cli(['members', 'add', 'eve@example.com', '--role', 'owner'], { TOUCHLINE_TOKEN: viewer });
    expect(refused.code).not.toBe(0);
    expect(refused.err).toMatch(/not allowed to "members.add" \(rule scope.admin\)/);
    const sql = cli(['sql', 'select 1'], { TOUCHLINE_TOKEN: viewer });
    expect(sql.err).toMatch(/rule scope.analyze/);
  });

  it('login keeps the token 0600 in the config home and uses it; logout forgets it', async () => {
    expect(ok(cli(['login'], {}, `${owner}\n`))).toMatch(/signed in .* as olga@example\.com \(owner\)/);
    const file = join(home(), 'touchline', 'credentials.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(home(), 'touchline'))).mode & 0o777).toBe(0o700);
    const bad = cli(['login', '--token', 'tl_pat_0000000000000000_' + 'x'.repeat(43)]);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/not one this server knows/);
  });

  it('disables the admin token once an owner has a live token; the owner carries on', () => {
    ok(cli(['admin-token', 'disable']));
    // A config home without a login: the CLI falls back to the admin token, which no longer works.
    const fallback = cli(['status'], { XDG_CONFIG_HOME: join(dir, 'empty-home') });
    expect(fallback.code).not.toBe(0);
    expect(fallback.err).toMatch(/admin token is disabled/);
    expect(ok(cli(['members', 'list']))).toContain('vic@example.com');
  });

  it('revokes a token at once', () => {
    const id = /tl_pat_([0-9a-f]{16})_/.exec(viewer)![1]!;
    ok(cli(['tokens', 'revoke', id, '--member', 'vic@example.com', '--reason', 'left the team']));
    const after = cli(['status'], { TOUCHLINE_TOKEN: viewer });
    expect(after.code).not.toBe(0);
    expect(after.err).toMatch(/revoked/);
  });

  it('shows the trail, filtered, and verifies the chain', () => {
    const records = JSON.parse(ok(cli(['audit', '--format', 'json', '--limit', '1000']))) as { action: string; outcome: string; actor: { type: string; label: string | null }; rule: string | null; params: unknown }[];
    const find = (action: string, outcome?: string) => records.find((r) => r.action === action && (outcome === undefined || r.outcome === outcome));
    expect(find('offline.sql')).toMatchObject({ actor: { type: 'offline' }, params: { sql: 'select 40 + 2 as answer' } });
    expect(find('members.add', 'allowed')).toMatchObject({ actor: { type: 'bootstrap' } });
    expect(find('members.add', 'denied')).toMatchObject({ actor: { label: 'vic@example.com' }, rule: 'scope.admin' });
    expect(find('admin-token.disable')).toMatchObject({ actor: { label: 'olga@example.com' }, outcome: 'allowed' });
    // No token secret anywhere in the trail.
    expect(JSON.stringify(records)).not.toContain(owner.slice(24));
    const onlyMembers = JSON.parse(ok(cli(['audit', '--format', 'json', '--action', 'members.']))) as { action: string }[];
    expect(onlyMembers.length).toBeGreaterThan(4);
    expect(onlyMembers.every((r) => r.action.startsWith('members.'))).toBe(true);
    expect(ok(cli(['audit', 'verify']))).toMatch(/the audit chain is whole/);
    expect(ok(cli(['logout']))).toMatch(/forgot the token/);
  });

  it('reads and verifies the trail offline, read-only, and queues that use for the next start', async () => {
    await stop();
    expect(ok(cli(['audit', 'verify']))).toMatch(/the audit chain is whole/);
    const offline = JSON.parse(ok(cli(['audit', '--format', 'json', '--action', 'admin-token.']))) as { action: string }[];
    expect(offline.map((r) => r.action)).toContain('admin-token.disable');
    expect(cli(['audit', '--since', 'last week']).err).toMatch(/--since must be a date/);
    const queued = await readFile(join(data(), 'audit-queue.ndjson'), 'utf8');
    expect(queued).toMatch(/"offline\.audit\.verify"/);
    expect(queued).toMatch(/"offline\.audit\.read"/);
  }, 60_000);
});
