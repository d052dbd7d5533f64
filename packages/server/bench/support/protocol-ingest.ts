import autocannon from 'autocannon';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startServerProcess, waitForExit } from '../../test/support/process.js';
import { ID, protocolRequests, type ProtocolRequest } from './protocol-bodies.js';

interface Rate {
  readonly reqPerSec: number;
  readonly non2xx: number;
  readonly p99: number;
}

async function rate(url: string, r: ProtocolRequest, duration: number, connections: number): Promise<Rate> {
  // A fresh message id per request (autocannon's own `idReplacement` sends nothing once a body
  // and headers are set, in the installed version): the same small cost for every protocol.
  let n = 0;
  const setupRequest = (req: Record<string, unknown>) => ({ ...req, body: r.body.replace(ID, `bench-${process.pid}-${++n}`) });
  const res = await autocannon({ url, connections, duration, requests: [{ method: 'POST', path: r.path, headers: r.headers, setupRequest }] });
  return { reqPerSec: res.requests.average, non2xx: res.non2xx + res.errors, p99: res.latency.p99 };
}

/**
 * Each protocol's single-event rate against one `touchline start`, as a ratio of the Segment
 * endpoint's in the same run: after a discarded warm-up of each, Segment first and last (its mean
 * is the baseline, so drift on a shared machine shows as the gap between its two runs), the
 * others in between.
 */
export async function protocolIngest(writeKey: string, adminToken: string, duration: number, connections: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'touchline-bench-protocols-'));
  const server = await startServerProcess(dir, await freePort(), { TOUCHLINE_WRITE_KEY: writeKey, TOUCHLINE_ADMIN_TOKEN: adminToken });
  const requests = protocolRequests(writeKey);
  const segment = requests[0]!;
  try {
    console.log(`\nother protocols: single-event POSTs, ${duration}s each, ${connections} connections, one server; Segment before and after`);
    // Warm-up, discarded: the JIT, the loader's first batches and the page cache favour later runs.
    for (const r of requests) await rate(server.url, r, Math.max(2, Math.round(duration / 4)), connections);
    const first = await rate(server.url, segment, duration, connections);
    const others: [ProtocolRequest, Rate][] = [];
    for (const r of requests.slice(1)) others.push([r, await rate(server.url, r, duration, connections)]);
    const last = await rate(server.url, segment, duration, connections);
    const base = (first.reqPerSec + last.reqPerSec) / 2;
    const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
    console.log(`  ${segment.name}: ${fmt(first.reqPerSec)} then ${fmt(last.reqPerSec)} req/s (baseline ${fmt(base)}; drift ${((last.reqPerSec / first.reqPerSec - 1) * 100).toFixed(1)}%)`);
    for (const [r, x] of others) {
      console.log(`  ${r.name.padEnd(34)} ${fmt(x.reqPerSec).padStart(7)} req/s  ratio to Segment ${(x.reqPerSec / base).toFixed(2)}  p99 ${x.p99} ms  non-2xx ${x.non2xx}`);
    }
    const bad = [first, last, ...others.map(([, x]) => x)].reduce((n, x) => n + x.non2xx, 0);
    if (bad > 0) console.log(`  (${bad} non-2xx answers: the ratios above are not comparable)`);
  } finally {
    server.proc.kill('SIGTERM');
    await waitForExit(server.proc);
    await rm(dir, { recursive: true, force: true });
  }
}
