/**
 * Slow and idle clients cannot hold either listener (docs/security.md, "Limits"): a request body
 * or headers that trickle in are cut at their deadline, idle keep-alive connections are closed,
 * connections beyond the cap are refused — and ordinary requests are answered all along. Real
 * sockets against real listeners; deadlines shortened so the test takes seconds.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

const LIMITS = { headersTimeoutMs: 1000, requestTimeoutMs: 3000, keepAliveTimeoutMs: 1000 };
/** Node checks deadlines every quarter of the shorter one (src/http/listener-limits.ts): 250 ms here. */
const CHECK_MS = 250;
/** Scheduling slack: CI machines are shared, and 100 sockets plus the server share one event loop here. */
const SLACK_MS = 2500;

interface Slow {
  readonly closedAfterMs: Promise<number>;
  readonly closed: () => boolean;
  /** What the server wrote before closing. */
  received(): string;
  destroy(): void;
}

/** A connection that sends `head`, then one byte of `drip` every 200 ms until the server closes it. */
function slowClient(url: string, head: string, drip: string): Promise<Slow> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(Number(port), hostname);
    let got = '';
    let isClosed = false;
    let timer: NodeJS.Timeout | undefined;
    socket.on('data', (d) => (got += d.toString()));
    socket.once('error', () => undefined); // a reset is a close too
    socket.once('connect', () => {
      const opened = Date.now();
      const closedAfterMs = new Promise<number>((r) =>
        socket.once('close', () => {
          isClosed = true;
          clearInterval(timer);
          r(Date.now() - opened);
        }),
      );
      socket.write(head);
      if (drip) timer = setInterval(() => socket.writable && socket.write(drip), 200);
      resolve({ closedAfterMs, closed: () => isClosed, received: () => got, destroy: () => socket.destroy() });
    });
    socket.once('error', reject);
  });
}

const slowBody = (url: string, path: string, auth: string) =>
  slowClient(url, `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: ${auth}\r\nContent-Length: 100000\r\n\r\n{"batch":[`, ' ');
const slowHeaders = (url: string) => slowClient(url, 'POST /v1/batch HTTP/1.1\r\nHost: x\r\n', 'X');

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ limits: { ...LIMITS, maxConnections: 300 }, admin: { maxConnections: 50 } }, { listen: true });
});
afterAll(async () => {
  await h?.dispose();
});

const track = (i: number) =>
  fetch(`${h.url}/v1/track`, {
    method: 'POST',
    headers: { authorization: h.auth, 'content-type': 'application/json', connection: 'close' },
    body: JSON.stringify({ anonymousId: 'normal', event: 'Normal', messageId: `normal-${i}` }),
  }).then((r) => r.status);

describe('slow clients', () => {
  it('cuts 100 slow-body connections at the request deadline, answering normal requests meanwhile', { timeout: 30_000 }, async () => {
    const slow = await Promise.all(Array.from({ length: 100 }, () => slowBody(h.url, '/v1/batch', h.auth)));
    // While all 100 are open and sending: ordinary requests are answered.
    const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => track(i)));
    expect(statuses).toEqual(Array(20).fill(200));
    expect(slow.filter((s) => s.closed())).toEqual([]);
    const closed = await Promise.all(slow.map((s) => s.closedAfterMs));
    // Each is cut at its deadline: not before it (they are still sending), not long after.
    expect(Math.min(...closed)).toBeGreaterThanOrEqual(LIMITS.requestTimeoutMs - CHECK_MS);
    expect(Math.max(...closed)).toBeLessThan(LIMITS.requestTimeoutMs + CHECK_MS + SLACK_MS);
    expect(slow.filter((s) => s.received().startsWith('HTTP/1.1 408')).length).toBe(100);
    // …and none of their bytes became an event.
    await h.loader.flush();
    expect(await h.sql(`select count(*)::int as n from events where anonymous_id = 'normal'`)).toEqual([{ n: 20 }]);
  });

  it('cuts connections whose headers trickle in at the header deadline', { timeout: 20_000 }, async () => {
    const slow = await Promise.all(Array.from({ length: 20 }, () => slowHeaders(h.url)));
    const closed = await Promise.all(slow.map((s) => s.closedAfterMs));
    expect(Math.min(...closed)).toBeGreaterThanOrEqual(LIMITS.headersTimeoutMs - CHECK_MS);
    expect(Math.max(...closed)).toBeLessThan(LIMITS.headersTimeoutMs + CHECK_MS + SLACK_MS);
  });

  it('closes connections that never send a byte, and idle keep-alive ones', { timeout: 20_000 }, async () => {
    const silent = await slowClient(h.url, '', '');
    expect(await silent.closedAfterMs).toBeLessThan(LIMITS.headersTimeoutMs + CHECK_MS + SLACK_MS);
    const keptAlive = await slowClient(h.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', '');
    const after = await keptAlive.closedAfterMs;
    expect(keptAlive.received()).toMatch(/^HTTP\/1\.1 200/);
    expect(keptAlive.received()).toMatch(/Keep-Alive: timeout=1\r\n/);
    // node:http closes one second after the timeout it announces, so the client closes first.
    expect(after).toBeGreaterThanOrEqual(LIMITS.keepAliveTimeoutMs);
    expect(after).toBeLessThan(LIMITS.keepAliveTimeoutMs + 1000 + SLACK_MS);
  });

  it('does the same on the admin listener', { timeout: 20_000 }, async () => {
    const slow = await Promise.all(Array.from({ length: 30 }, () => slowBody(h.adminUrl, '/admin/sql', `Bearer ${h.adminToken}`)));
    const status = await fetch(`${h.adminUrl}/admin/status`, { headers: { authorization: `Bearer ${h.adminToken}` } });
    expect(status.status).toBe(200);
    const closed = await Promise.all(slow.map((s) => s.closedAfterMs));
    expect(Math.max(...closed)).toBeLessThan(LIMITS.requestTimeoutMs + CHECK_MS + SLACK_MS);
    expect(slow.every((s) => s.received().startsWith('HTTP/1.1 408'))).toBe(true);
  });
});

describe('the connection cap', () => {
  it('refuses connections beyond it, and serves again once slow ones are cut', { timeout: 20_000 }, async () => {
    const small = await startHarness({ limits: { ...LIMITS, maxConnections: 10 } }, { listen: true });
    try {
      const slow = await Promise.all(Array.from({ length: 10 }, () => slowBody(small.url, '/v1/batch', small.auth)));
      await new Promise((r) => setTimeout(r, 100));
      // The 11th connection is closed as it arrives.
      const refused = await fetch(`${small.url}/healthz`).then((r) => r.status, () => 'refused');
      expect(refused).toBe('refused');
      await Promise.all(slow.map((s) => s.closedAfterMs));
      expect((await fetch(`${small.url}/healthz`)).status).toBe(200);
    } finally {
      await small.dispose();
    }
  });
});
