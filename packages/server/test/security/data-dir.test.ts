/**
 * The data dir is its user's alone, and secrets are shown once (docs/security.md): a real
 * `touchline start` (child process, as users run it) under a permissive umask creates every file
 * 0600 in 0700 directories — spool, DuckDB file and WAL, SQLite touch store, outbox, secrets.json,
 * server.json — prints the generated write key and admin token once, and on a restart over a data
 * dir loosened by hand (or an older version) tightens it with a warning and prints them masked.
 */
import { startMetaCapiStandIn, type StandIn } from '@touchline/destinations/testing';
import { chmod, lstat, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskSecret } from '../../src/data-dir/secrets.js';
import { freePort, startServerProcess, waitForExit, type RunningServer } from '../support/process.js';

/** Every path under `dir` (itself included) with its permission bits. */
async function modes(dir: string): Promise<Map<string, { mode: number; dir: boolean }>> {
  const out = new Map<string, { mode: number; dir: boolean }>();
  const walk = async (p: string): Promise<void> => {
    const st = await lstat(p);
    out.set(p, { mode: st.mode & 0o777, dir: st.isDirectory() });
    if (st.isDirectory()) for (const e of await readdir(p)) await walk(join(p, e));
  };
  await walk(dir);
  return out;
}

const loose = (m: Map<string, { mode: number; dir: boolean }>) =>
  [...m].filter(([, v]) => v.mode !== (v.dir ? 0o700 : 0o600)).map(([p, v]) => `${p} ${v.mode.toString(8)}`);

let root: string;
let meta: StandIn;
let configFile: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'touchline-modes-'));
  meta = await startMetaCapiStandIn({ pixelId: '42' });
  configFile = join(root, 'touchline.config.json');
  await writeFile(
    configFile,
    JSON.stringify({
      // A segment stays open until the test's flush: it is on disk to be looked at after each 200.
      spool: { rollIntervalMs: 600_000 },
      destinations: { meta: { type: 'meta-capi', config: { endpoint: meta.url, accessToken: 'test-token', pixelId: '42' } } },
      forwarding: { rules: { orders: { events: ['Order Completed'], destination: 'meta', mapping: { event_name: { static: 'Purchase' } } } } },
    }),
  );
});
afterAll(async () => {
  await meta?.close();
  await rm(root, { recursive: true, force: true });
});

async function start(dataDir: string): Promise<RunningServer> {
  // Everything Touchline writes must be private because it makes it so, not because the test's umask does.
  const previous = process.umask(0o022);
  try {
    return await startServerProcess(dataDir, await freePort(), { TOUCHLINE_CONFIG: configFile, TOUCHLINE_WRITE_KEY: '', TOUCHLINE_ADMIN_TOKEN: '' });
  } finally {
    process.umask(previous);
  }
}

async function stop(s: RunningServer): Promise<void> {
  s.proc.kill('SIGTERM');
  await waitForExit(s.proc);
}

/**
 * Sends an order (forwarded: the outbox), a tracker page view (the touch store), and waits until
 * they are in DuckDB. Returns the spool's files as they were once the order was acknowledged
 * (a loaded segment is deleted).
 */
async function traffic(s: RunningServer, dataDir: string, writeKey: string, adminToken: string): Promise<Map<string, { mode: number; dir: boolean }>> {
  const auth = 'Basic ' + Buffer.from(`${writeKey}:`).toString('base64');
  const order = await fetch(`${s.url}/v1/track`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'u1', event: 'Order Completed', properties: { email: 'jane@shop.test' } }) });
  expect(order.status).toBe(200);
  const spool = await modes(join(dataDir, 'spool'));
  const page = await fetch(`${s.url}/_t/b`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', host: 'www.shop.test' },
    body: JSON.stringify({ writeKey, batch: [{ type: 'page', anonymousId: 'a1', context: { page: { url: 'https://www.shop.test/?utm_source=x' }, consent: { analytics_storage: true } } }] }),
  });
  expect(page.status).toBe(200);
  const flushed = await fetch(`${s.adminUrl}/admin/flush`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } });
  expect(flushed.status).toBe(200);
  return spool;
}

describe('the data dir', () => {
  it('is created private, secrets are printed once, and a loosened one is tightened with a warning', { timeout: 120_000 }, async () => {
    const dataDir = join(root, 'data');
    const first = await start(dataDir);
    let writeKey: string;
    let adminToken: string;
    try {
      const out = first.output();
      writeKey = /Write key\s+(\S+)\s+\(new: shown this once/.exec(out)?.[1] ?? '';
      adminToken = /Admin token\s+(\S+)\s+\(new: shown this once; kept in .*secrets\.json\)/.exec(out)?.[1] ?? '';
      expect(writeKey, out).toHaveLength(32);
      expect(adminToken, out).toHaveLength(32);
      const spool = await traffic(first, dataDir, writeKey, adminToken);
      expect(spool.size, 'an acknowledged event is in a spool segment').toBeGreaterThan(1);
      expect(loose(spool)).toEqual([]);
      const m = await modes(dataDir);
      // The files that matter are there, while the server runs (the DuckDB WAL included)…
      const names = [...m.keys()].map((p) => p.slice(dataDir.length));
      for (const f of ['/secrets.json', '/server.json', '/warehouse.duckdb', '/warehouse.duckdb.wal', '/touches.sqlite', '/spool', '/outbox/orders']) expect(names, f).toContain(f);
      expect(names.some((n) => /^\/outbox\/orders\/.+/.test(n))).toBe(true);
      // …and every one is 0600 in 0700 directories.
      expect(loose(m)).toEqual([]);
    } finally {
      await stop(first);
    }

    // An older version's data dir: world-readable directories and files.
    for (const [p, v] of await modes(dataDir)) await chmod(p, v.dir ? 0o755 : 0o644);
    await chmod(join(dataDir, 'secrets.json'), 0o666);
    expect(loose(await modes(dataDir)).length).toBeGreaterThan(5);

    const second = await start(dataDir);
    try {
      const out = second.output();
      expect(out).toMatch(/the data dir was readable by other users of this machine: tightened to 0700 \(directories\) and 0600 \(files\)/);
      expect(out).toMatch(/"examples":\[".*\/data \(was 755\)"/);
      expect(Number(/"paths":(\d+)/.exec(out)?.[1])).toBeGreaterThanOrEqual(8); // the dir, spool, outbox, warehouse, touches, secrets…
      expect(loose(await modes(dataDir))).toEqual([]);
      // The secrets are not printed again: masked, with where to find them.
      expect(out).not.toContain(writeKey);
      expect(out).not.toContain(adminToken);
      expect(out).toContain(`Write key    ${maskSecret(writeKey)}`);
      expect(out).toMatch(new RegExp(`Admin token  ${maskSecret(adminToken).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+\\(in .*secrets\\.json\\)`));
      // The snippet and the example carry a placeholder, not the key.
      expect(out).toMatch(/curl -u 'WRITE_KEY:'/);
      // Still the same server: the restart kept its key and token.
      expect(loose(await traffic(second, dataDir, writeKey, adminToken))).toEqual([]);
      expect(loose(await modes(dataDir))).toEqual([]);
    } finally {
      await stop(second);
    }
  });

  it('never prints a configured admin token or write key', { timeout: 60_000 }, async () => {
    const dataDir = join(root, 'configured');
    const previous = process.umask(0o022);
    const env = { TOUCHLINE_CONFIG: configFile, TOUCHLINE_WRITE_KEY: 'configured-write-key-0001', TOUCHLINE_ADMIN_TOKEN: 'configured-admin-token-000000001' };
    const s = await startServerProcess(dataDir, await freePort(), env).finally(() => process.umask(previous));
    try {
      const out = s.output();
      expect(out).not.toContain(env.TOUCHLINE_WRITE_KEY);
      expect(out).not.toContain(env.TOUCHLINE_ADMIN_TOKEN);
      expect(out).toContain(`Admin token  ${maskSecret(env.TOUCHLINE_ADMIN_TOKEN)}   (from adminToken / TOUCHLINE_ADMIN_TOKEN)`);
      expect(out).toContain(`Write key    ${maskSecret(env.TOUCHLINE_WRITE_KEY)}   (from writeKey / TOUCHLINE_WRITE_KEY)`);
    } finally {
      await stop(s);
    }
  });
});
