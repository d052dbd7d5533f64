import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// Found through the package, so this also works from a bundled benchmark.
const PACKAGE_DIR = dirname(createRequire(import.meta.url).resolve('touchline/package.json'));
export const BIN = join(PACKAGE_DIR, 'bin/touchline.js');
const DIST = join(PACKAGE_DIR, 'dist/cli/main.js');

/**
 * Runs the built CLI on `<dir>/data` as a member of a running server would: no token in the
 * environment (the server's own file names its admin token to the data dir's owner), and a
 * config home of its own so no login from the machine leaks in.
 */
export function operatorCli(dir: string, args: readonly string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args, '--data-dir', join(dir, 'data')], {
    env: { ...process.env, TOUCHLINE_TOKEN: '', TOUCHLINE_ADMIN_TOKEN: '', XDG_CONFIG_HOME: join(dir, 'home') },
    encoding: 'utf8',
    cwd: dir,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Child-process tests run the built CLI, as users do: fail loudly if it is not built. */
export function assertBuilt(): void {
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run \`npm run build\` first (npm ci does it)`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

export interface RunningServer {
  readonly proc: ChildProcess;
  /** The public listener. */
  readonly url: string;
  /** The admin listener. */
  readonly adminUrl: string;
  output(): string;
}

/**
 * Starts `touchline start` in a child process and waits until both listeners answer and it has
 * printed its banner (written after server.json, which the CLI finds it by). The admin listener
 * gets a free port of its own (`adminPort`, else picked here).
 */
export async function startServerProcess(dataDir: string, port: number, env: Record<string, string> = {}, adminPort?: number): Promise<RunningServer> {
  // A port picked by freePort() is free only until something else binds it: tests in other
  // workers pick ports too. When the admin port this helper picked was taken in between, it picks
  // another; a port the caller chose is never changed.
  for (let attempt = 1; ; attempt++) {
    const admin = adminPort ?? (await freePort());
    try {
      return await startOnce(dataDir, port, env, admin);
    } catch (err) {
      const lostRace = adminPort === undefined && err instanceof Error && err.message.includes(`:${admin} is in use`);
      if (!lostRace || attempt === 3) throw err;
    }
  }
}

async function startOnce(dataDir: string, port: number, env: Record<string, string>, admin: number): Promise<RunningServer> {
  assertBuilt();
  const args = ['start', '--port', String(port), '--host', '127.0.0.1', '--admin-port', String(admin), '--data-dir', dataDir];
  const proc = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const adminUrl = `http://127.0.0.1:${admin}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`touchline exited with ${proc.exitCode}:\n${out}`);
    try {
      const [r, a] = await Promise.all([fetch(`${url}/healthz`), fetch(`${adminUrl}/healthz`)]);
      if (r.ok && a.ok && /Touchline is running[\s\S]*Query it:/.test(out)) return { proc, url, adminUrl, output: () => out };
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill('SIGKILL');
  throw new Error(`touchline did not start within 30 s:\n${out}`);
}

export function waitForExit(proc: ChildProcess): Promise<number | null> {
  // A process killed by a signal has exitCode null and signalCode set.
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode);
  return new Promise((r) => proc.once('exit', (code) => r(code)));
}
