/**
 * The CLI when a user gets something wrong: a second `touchline start` on a data dir in use
 * (a running server, or another process holding the warehouse without a server file), a
 * mistyped command, flag or config key — each answered with what to do, not a stack or a lock error.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '../../src/config/config.js';
import { closest, editDistance } from '../../src/config/suggest.js';
import { commandsOf } from '../../src/cli/helpful-args.js';
import { BIN, assertBuilt, freePort, startServerProcess, waitForExit } from '../support/process.js';

let dir: string;
const env = { TOUCHLINE_WRITE_KEY: 'cli-helpful-write-key', TOUCHLINE_ADMIN_TOKEN: 'cli-helpful-admin-token-0123456789' };

function cli(args: string[], dataDir = join(dir, 'data')) {
  const r = spawnSync(process.execPath, [BIN, ...args, '--data-dir', dataDir], { env: { ...process.env, ...env }, encoding: 'utf8', cwd: dir, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  assertBuilt();
  dir = await mkdtemp(join(tmpdir(), 'touchline-cli-helpful-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a second touchline start on the same data dir', () => {
  it('says Touchline is already running, with its pid and ports, and exits 1; without server.json, names the process holding the warehouse', async () => {
    const data = join(dir, 'twice');
    const first = await startServerProcess(data, await freePort(), env);
    try {
      const second = cli(['start', '--port', String(await freePort()), '--admin-port', String(await freePort())], data);
      expect(second.code).toBe(1);
      expect(second.err).toContain(`Touchline is already running on ${data} (pid ${first.proc.pid}; collector ${first.url}, admin ${first.adminUrl})`);
      expect(second.err).not.toMatch(/lock|IO Error/i);
      // The server file gone (deleted by hand): DuckDB's lock still names the process.
      await rm(join(data, 'server.json'));
      const third = cli(['start', '--port', String(await freePort()), '--admin-port', String(await freePort())], data);
      expect(third.code).toBe(1);
      expect(third.err).toContain(`Touchline is already running on ${data}: process ${first.proc.pid} holds its warehouse`);
      // The first server is untouched by either attempt.
      expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    } finally {
      first.proc.kill('SIGTERM');
      await waitForExit(first.proc);
    }
  });

  it('a stale server file (its process gone) does not stop a start', async () => {
    const data = join(dir, 'stale');
    const first = await startServerProcess(data, await freePort(), env);
    first.proc.kill('SIGKILL');
    await waitForExit(first.proc);
    const again = await startServerProcess(data, await freePort(), env);
    again.proc.kill('SIGTERM');
    expect(await waitForExit(again.proc)).toBe(0);
  });
});

describe('did you mean', () => {
  it('an unknown command: the closest one, and the help', () => {
    const r = cli(['strat']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('unknown command "strat" (did you mean "start"?)');
    expect(cli(['improt', 'x.csv']).err).toContain('(did you mean "import"?)');
    // Nothing close: no guess.
    const far = cli(['frobnicate']);
    expect(far.err).toContain('unknown command "frobnicate"');
    expect(far.err).not.toContain('did you mean');
  });

  it('an unknown flag: the closest one, for the main commands and for attribute', () => {
    const r = cli(['sql', 'select 1', '--fromat', 'json']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('unknown flag --fromat (did you mean "--format"?)');
    const a = cli(['attribute', '--lookbak', '30d']);
    expect(a.err).toContain('unknown flag --lookbak (did you mean "--lookback"?)');
    expect(a.err).toContain('touchline attribute --help');
  });

  it('an unknown config key: the closest key at the same place', async () => {
    const bad = () => resolveConfig({ spool: { maxByte: 5000 }, tracker: { touchStore: { engin: 'sqlite' } }, prot: 1 }, {}, {});
    expect(bad).toThrow(ConfigError);
    // All three in one message: a nested key is no longer dropped without a word.
    expect(bad).toThrow(/spool: unknown key "maxByte" \(did you mean "maxBytes"\?\)/);
    expect(bad).toThrow(/tracker\.touchStore: unknown key "engin" \(did you mean "engine"\?\)/);
    expect(bad).toThrow(/\(root\): Unrecognized key: "prot" \("prot": did you mean "port"\?\)/);
    // A record's entries (destinations by name) are names, not keys to guess.
    expect(() => resolveConfig({ destinations: { hubspotz: { type: 'hubspot', config: {} } } }, {}, {})).not.toThrow(/did you mean/);
    const file = join(dir, 'typo.config.json');
    await writeFile(file, JSON.stringify({ admin: { prot: 9 } }));
    const r = cli(['status', '--config', file]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('admin: unknown key "prot" (did you mean "port"?)');
  });

  it('guesses only near misses', () => {
    expect(editDistance('strat', 'start')).toBe(1);
    expect(closest('strat', ['start', 'status', 'sql'])).toBe('start');
    expect(closest('xyz', ['start', 'status', 'sql'])).toBeUndefined();
    expect(closest('STATUS', ['status'])).toBe('status');
    expect(commandsOf('Usage:\n  touchline start   [--port]\n  touchline sync list\n  touchline login   …  |  touchline logout')).toEqual(['start', 'sync', 'login']);
  });
});
