import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startServerProcess, waitForExit, type RunningServer } from '../support/process.js';

const WRITE_KEY = 'crash-test-write-key';
const ADMIN = 'crash-test-admin-token-0123456789';
const env = { TOUCHLINE_WRITE_KEY: WRITE_KEY, TOUCHLINE_ADMIN_TOKEN: ADMIN };
const auth = 'Basic ' + Buffer.from(WRITE_KEY + ':').toString('base64');

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'touchline-crash-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** Sends events 0..n-1 (a mix of single calls and batches of 20) until stopped; returns the ids acknowledged with 200. */
async function load(url: string, ids: string[], stop: () => boolean, concurrency = 12): Promise<Set<string>> {
  const acked = new Set<string>();
  let next = 0;
  async function worker(): Promise<void> {
    while (!stop() && next < ids.length) {
      const start = next;
      const size = start % 3 === 0 ? 1 : 20;
      next += size;
      const chunk = ids.slice(start, start + size);
      const events = chunk.map((id) => ({ type: 'track', anonymousId: `a-${id}`, event: 'Load', messageId: id, properties: { i: id } }));
      try {
        const res =
          chunk.length === 1
            ? await fetch(`${url}/v1/track`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(events[0]) })
            : await fetch(`${url}/v1/batch`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ batch: events }) });
        if (res.status === 200) for (const id of chunk) acked.add(id);
        await res.arrayBuffer();
      } catch {
        /* the server died mid-request: not acknowledged */
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return acked;
}

async function admin<T>(s: RunningServer, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${s.adminUrl}${path}`, { method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

describe('crash safety', () => {
  it('keeps every acknowledged event exactly once across a kill -9 mid-load, then dedups client retries', { timeout: 120_000 }, async () => {
    const port = await freePort();
    const ids = Array.from({ length: 6000 }, (_, i) => `crash-${i}`);
    const first = await startServerProcess(dataDir, port, env);
    let killed = false;
    const loading = load(first.url, ids, () => killed);
    // Kill as soon as a good part of the load is spooled (some of it loaded, some not).
    for (;;) {
      await new Promise((r) => setTimeout(r, 20));
      const s = await admin<{ spool: { rowsAppended: number } }>(first, 'GET', '/admin/status').catch(() => null);
      if (s && s.spool.rowsAppended >= 2000) break;
    }
    first.proc.kill('SIGKILL');
    killed = true;
    const acked = await loading;
    await waitForExit(first.proc);
    expect(acked.size).toBeGreaterThan(1000);
    expect(acked.size).toBeLessThan(ids.length);

    const second = await startServerProcess(dataDir, port, env);
    const counts = async () => {
      await admin(second, 'POST', '/admin/flush');
      const r = await admin<{ rows: [string, number][] }>(second, 'POST', '/admin/sql', {
        sql: `select message_id, count(*) from events where event = 'Load' group by 1`,
      });
      return new Map(r.rows.map(([id, n]) => [id, Number(n)]));
    };
    try {
      // Before any retry: what was acknowledged survived the kill, once each.
      const afterCrash = await counts();
      const missing = [...acked].filter((id) => !afterCrash.has(id));
      expect(missing).toEqual([]);
      expect([...afterCrash].filter(([, n]) => n !== 1)).toEqual([]);
      // Clients then retry everything (acknowledged or not): still exactly once each.
      const retried = await load(second.url, ids, () => false);
      expect(retried.size).toBe(ids.length);
      const final = await counts();
      expect(final.size).toBe(ids.length);
      expect([...final].filter(([, n]) => n !== 1)).toEqual([]);
    } finally {
      second.proc.kill('SIGTERM');
      await waitForExit(second.proc);
    }
  });
});
