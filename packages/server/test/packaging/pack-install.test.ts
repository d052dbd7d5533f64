import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/process.js';

const run = promisify(execFile);
const ROOT = new URL('../../../../', import.meta.url).pathname;
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

/**
 * What a user gets from npm: every workspace packed (`npm pack`), the tarballs installed into an
 * empty folder in /tmp with no workspace above it, `npx touchline start` run there, an event sent
 * and read back through the CLI, and a file importing @touchline/tracker and
 * @touchline/attribution type-checked with tsc. The folder depends only on what a user would name
 * (touchline, the tracker, attribution); the other @touchline packages arrive only through the
 * dependencies the packages declare (`overrides` point those names at the tarballs, as the
 * registry would serve them), so an undeclared one is missing here as it would be for users.
 *
 * Kept fast: the npm cache that `npm ci` filled answers (`--prefer-offline`), and the one native
 * build (better-sqlite3, SQLite compiled from C: minutes on CI's two cores) is taken from the
 * repository's install of the same version instead of being compiled again (`--ignore-scripts`).
 */

/** npm's own variables from the `npm exec vitest` that runs this would point npm at the repository. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^npm_(package|lifecycle|config_local_prefix|config_prefix|command)/i.test(k) || k === 'INIT_CWD') delete env[k];
  return env;
}

const TARBALLS = ['touchline', 'touchline-protocol', 'touchline-attribution', 'touchline-destinations', 'touchline-tracker', 'touchline-site', 'touchline-dashboard'];

function appManifest(tgz: string): unknown {
  const file = (name: string) => `file:${join(tgz, `${name}-0.1.0.tgz`)}`;
  return {
    name: 'touchline-user',
    private: true,
    type: 'module',
    dependencies: { touchline: file('touchline'), '@touchline/tracker': file('touchline-tracker'), '@touchline/attribution': file('touchline-attribution') },
    overrides: Object.fromEntries(TARBALLS.filter((t) => t !== 'touchline').map((t) => [t.replace('touchline-', '@touchline/'), file(t)])),
  };
}

const CHECK_TS = `import { createTracker, snippet, type Tracker } from '@touchline/tracker';
import type {} from '@touchline/tracker/global';
import { attribute, type PathInput } from '@touchline/attribution';

const paths: PathInput[] = [{ path: ['paid_search', 'email'], conversions: 1, value: 120 }];
const result = attribute(paths, ['linear', 'markov']);
const firstModel: string | undefined = result.models[0]?.model;
const html: string = snippet({ options: { writeKey: 'wk_1', requireConsent: true } });
const t: Tracker = createTracker({ writeKey: 'wk_1' });
t.track('Signed Up', { plan: 'pro' });
window.touchline.identify('u-1', { email: 'a@shop.test' });
touchline.page();
const flushed: Promise<void> | undefined = window.touchline.flush();
export { firstModel, html, flushed };
`;

/** Misuses the global's types: tsc must refuse each line, naming it. */
const BAD_TS = `import type {} from '@touchline/tracker/global';
window.touchline.track(42);
const p: Promise<void> = window.touchline.flush();
window.touchline.sendEverything();
export { p };
`;

const TSCONFIG = {
  compilerOptions: {
    strict: true,
    noEmit: true,
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'es2022',
    lib: ['es2022', 'dom'],
    types: [],
    // the shipped declarations are checked too, not only this file
    skipLibCheck: false,
  },
};

describe('the packages install from npm tarballs and run', () => {
  const base = mkdtempSync(join(tmpdir(), 'touchline-pack-'));
  const tgz = join(base, 'tgz');
  const app = join(base, 'app');
  let server: ChildProcess | undefined;

  beforeAll(async () => {
    mkdirSync(tgz);
    mkdirSync(app);
    const { stdout } = await run('npm', ['pack', '--workspaces', '--pack-destination', tgz, '--json'], { cwd: ROOT, env: cleanEnv(), maxBuffer: 64 << 20 });
    const packed = JSON.parse(stdout) as { name: string; files: { path: string }[] }[];
    for (const p of packed) {
      const paths = p.files.map((f) => f.path);
      expect(paths, p.name).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']));
      expect(paths.some((f) => f.startsWith('dist/')), `${p.name} ships dist/`).toBe(true);
      expect(paths.some((f) => f.startsWith('test/')), `${p.name} ships no tests`).toBe(false);
    }
    expect(packed.map((p) => p.name).sort()).toEqual(['@touchline/attribution', '@touchline/dashboard', '@touchline/destinations', '@touchline/protocol', '@touchline/site', '@touchline/tracker', 'touchline']);
    writeFileSync(join(app, 'package.json'), JSON.stringify(appManifest(tgz), null, 2));
    await run('npm', ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: app, env: cleanEnv(), maxBuffer: 64 << 20 });
    reuseNativeBuild(app);
  }, 300_000);

  afterAll(async () => {
    if (server?.pid && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      process.kill(-server.pid, 'SIGTERM');
      await exited;
    }
    rmSync(base, { recursive: true, force: true });
  });

  it('installs the packages the server declares, and nothing from the repository', () => {
    for (const name of ['protocol', 'destinations', 'site', 'tracker', 'attribution', 'dashboard']) {
      const pkg = JSON.parse(readFileSync(join(app, 'node_modules/@touchline', name, 'package.json'), 'utf8')) as { name: string };
      expect(pkg.name).toBe(`@touchline/${name}`);
    }
    // an optional peer: the conformance subpath's test runner is not installed for users
    expect(existsSync(join(app, 'node_modules/vitest'))).toBe(false);
    expect(existsSync(join(app, 'node_modules/touchline/src/index.ts'))).toBe(true);
  });

  it('starts with npx, takes an event and reads it back through the CLI', async () => {
    const port = await freePort();
    const adminPort = await freePort();
    const env = { ...cleanEnv(), TOUCHLINE_WRITE_KEY: 'wk_pack_test', TOUCHLINE_ADMIN_TOKEN: 'adm_pack_test_token_0123456789' };
    server = spawn('npx', ['--no-install', 'touchline', 'start', '--port', String(port), '--host', '127.0.0.1', '--admin-port', String(adminPort), '--data-dir', 'data'], {
      cwd: app,
      env,
      detached: true, // its own process group: npx and the server it runs stop together
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    server.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    server.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    await until(() => /Touchline is running[\s\S]*Query it:/.test(out), 60_000, () => `touchline did not start:\n${out}`);

    const res = await fetch(`http://127.0.0.1:${port}/v1/track`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('wk_pack_test:').toString('base64')}` },
      body: JSON.stringify({ anonymousId: 'pack-1', event: 'Installed From npm', messageId: 'pack-m-1', context: { page: { url: 'https://www.shop.test/?utm_source=npm' } } }),
    });
    expect(res.status).toBe(200);

    const query = "select event, anonymous_id, utm_source from events where message_id = 'pack-m-1'";
    let rows: unknown = [];
    await until(async () => {
      const { stdout } = await run('npx', ['--no-install', 'touchline', 'sql', query, '--format', 'json', '--data-dir', 'data'], { cwd: app, env });
      rows = JSON.parse(stdout) as unknown;
      return Array.isArray(rows) && rows.length > 0;
    }, 30_000, () => `the event did not reach the warehouse: ${JSON.stringify(rows)}\n${out}`);
    expect(rows).toEqual([{ event: 'Installed From npm', anonymous_id: 'pack-1', utm_source: 'npm' }]);
  }, 120_000);

  it('type-checks a program that uses @touchline/tracker (and its window.touchline global) and @touchline/attribution', async () => {
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ ...TSCONFIG, files: ['check.ts'] }));
    writeFileSync(join(app, 'check.ts'), CHECK_TS);
    const ok = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: app }).then(
      () => '',
      (err: { stdout: string }) => err.stdout,
    );
    expect(ok).toBe('');
  }, 60_000);

  it('refuses misuse of the global: a number as event name, the stub\'s flush as a Promise, an unknown method', async () => {
    writeFileSync(join(app, 'tsconfig.bad.json'), JSON.stringify({ ...TSCONFIG, files: ['bad.ts'] }));
    writeFileSync(join(app, 'bad.ts'), BAD_TS);
    const err = await run(process.execPath, [TSC, '-p', 'tsconfig.bad.json'], { cwd: app }).then(
      () => null,
      (e: { stdout: string }) => e.stdout,
    );
    expect(err).not.toBeNull();
    expect(err).toMatch(/bad\.ts\(2,24\): error TS2345/);
    expect(err).toMatch(/bad\.ts\(3,7\): error TS2322/);
    expect(err).toMatch(/bad\.ts\(4,18\): error TS2339: Property 'sendEverything'/);
  }, 60_000);
});

/**
 * better-sqlite3's addon, built by the repository's `npm ci` for the same version and Node: the
 * identical file the install script would compile here. A version mismatch fails the test rather
 * than run with a foreign build.
 */
function reuseNativeBuild(app: string): void {
  const version = (dir: string) => (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  const ours = join(ROOT, 'node_modules/better-sqlite3');
  const theirs = join(app, 'node_modules/better-sqlite3');
  expect(version(theirs), 'better-sqlite3 in the install matches the repository build').toBe(version(ours));
  const addon = 'build/Release/better_sqlite3.node';
  mkdirSync(dirname(join(theirs, addon)), { recursive: true });
  copyFileSync(join(ours, addon), join(theirs, addon));
}

async function until(test: () => boolean | Promise<boolean>, ms: number, why: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await test()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(why());
}
