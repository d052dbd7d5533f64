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
  const setupRequest = (req: autocannon.Request): autocannon.Request => ({ ...req, body: r.body.replace(ID, `bench-${process.pid}-${++n}`) });
  const res = await autocannon({ url, connections, duration, requests: [{ method: 'POST', path: r.path, headers: r.headers, setupRequest }] });
  return { reqPerSec: res.requests.average, non2xx: res.non2xx + res.errors, p99: res.latency.p99 };
}

/**
 * Each protocol's single-event rate against one `touchline start`, as a ratio of the Segment
 * endpoint's in the same run: after a discarded warm-up of each, Segment runs between every two
 * protocols and each protocol is compared with the Segment runs on either side of it.
 */
export async function protocolIngest(writeKey: string, adminToken: string, duration: number, connections: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'touchline-bench-protocols-'));
  const server = await startServerProcess(dir, await freePort(), { TOUCHLINE_WRITE_KEY: writeKey, TOUCHLINE_ADMIN_TOKEN: adminToken });
  const requests = protocolRequests(writeKey);
  const segment = requests[0]!;
  try {
    console.log(`\nother protocols: single-event POSTs, ${duration}s each, ${connections} connections, one server; Segment between each two`);
    // Warm-up, discarded: the JIT, the loader's first batches and the page cache favour later runs.
    for (const r of requests) await rate(server.url, r, Math.max(2, Math.round(duration / 4)), connections);
    // Segment between every two protocols: each protocol's ratio is to the mean of the Segment
    // runs just before and after it, so slow drift on a shared machine cancels out.
    let before = await rate(server.url, segment, duration, connections);
    const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
    let bad = before.non2xx;
    for (const r of requests.slice(1)) {
      const x = await rate(server.url, r, duration, connections);
      const after = await rate(server.url, segment, duration, connections);
      const base = (before.reqPerSec + after.reqPerSec) / 2;
      bad += x.non2xx + after.non2xx;
      console.log(
        `  ${r.name.padEnd(34)} ${fmt(x.reqPerSec).padStart(7)} req/s  ratio to Segment ${(x.reqPerSec / base).toFixed(2)}  ` +
          `(Segment around it ${fmt(before.reqPerSec)} / ${fmt(after.reqPerSec)})  p99 ${x.p99} ms`,
      );
      before = after;
    }
    if (bad > 0) console.log(`  (${bad} non-2xx answers: the ratios above are not comparable)`);
  } finally {
    server.proc.kill('SIGTERM');
    await waitForExit(server.proc);
    await rm(dir, { recursive: true, force: true });
  }
}
