/**
 * What overlapping spool commits buys: single-event /v1/track at 32 connections with the earlier
 * serial commit path (one commit slot: write, fdatasync, acknowledge, next) and the overlapped one
 * (two slots), each as a ratio to, in the same round:
 * - bare node:http (read the body, parse it, answer): the physical limit of one Node process;
 * - bare node:http + the same durable work: the body appended to a file by group commit, one write
 *   and one fdatasync per group, answered after its fdatasync; serial and overlapped, like the spool.
 * The five servers run in a rotated order each round so drift on a shared machine spreads evenly;
 * the figures are the median of the rounds and their range.
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForExit } from '../../test/support/process.js';
import { startWithRecordFormat } from './framing.js';

const CONNECTIONS = 32;

// The durable baseline: group commit of the raw bodies to one file, `slots` fdatasyncs in flight,
// a 200 only after the fdatasync that began after the body's write has ended.
const DURABLE_SERVER = `
const http = require('node:http');
const fs = require('node:fs/promises');
const [port, path, slotsArg] = process.argv.slice(1);
const slots = Number(slotsArg);
let pending = [], inflight = [], written = 0, running = false, wake = null, fh;
async function drain() {
  while (pending.length || inflight.length) {
    if (pending.length && inflight.length < slots) {
      const group = pending; pending = [];
      const buf = Buffer.concat(group.map((g) => g.buf));
      const pos = written; written += buf.length;
      await fh.write(buf, 0, buf.length, pos);
      inflight.push({ group, synced: fh.datasync().then(() => null, (e) => e) });
      continue;
    }
    const oldest = inflight[0];
    if (inflight.length < slots) {
      const done = await Promise.race([oldest.synced.then(() => true), new Promise((r) => { wake = () => r(false); })]);
      wake = null;
      if (!done) continue;
    }
    const err = await oldest.synced;
    inflight.shift();
    for (const g of oldest.group) g.done(err);
  }
}
fs.open(path, 'a+').then((f) => { fh = f; http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    try { JSON.parse(body.toString('utf8')); } catch { res.writeHead(400); res.end(); return; }
    pending.push({ buf: Buffer.concat([body, Buffer.from('\\n')]), done(err) {
      res.writeHead(err ? 503 : 200, { 'content-type': 'application/json' }); res.end(err ? '' : '{"success":true}');
    } });
    if (wake) wake();
    if (!running) { running = true; setImmediate(() => drain().finally(() => { running = false; })); }
  });
}).listen(Number(port), '127.0.0.1'); });`;

type Target = 'bare' | 'bare+fdatasync serial' | 'bare+fdatasync overlapped' | 'touchline serial (before)' | 'touchline overlapped (after)';
const TARGETS: readonly Target[] = ['bare', 'bare+fdatasync serial', 'bare+fdatasync overlapped', 'touchline serial (before)', 'touchline overlapped (after)'];

interface Rate {
  readonly reqPerSec: number;
  readonly p99: number;
  readonly non2xx: number;
  /** Touchline only: server CPU ms per 1,000 acknowledged requests (steadier than req/s on a shared machine). */
  readonly cpuMsPerK?: number;
}

export interface OverlapSettings {
  readonly body: string;
  readonly auth: string;
  readonly env: Record<string, string>;
  readonly duration: number;
  readonly rounds: number;
  /** The plain bare server's script (node -e, port as argv[1]). */
  readonly bareServer: string;
}

async function rate(url: string, s: OverlapSettings): Promise<Rate> {
  const r = await autocannon({ url, method: 'POST', headers: { authorization: s.auth, 'content-type': 'application/json' }, body: s.body, connections: CONNECTIONS, duration: s.duration });
  return { reqPerSec: r.requests.average, p99: r.latency.p99, non2xx: r.non2xx + r.errors };
}

/** A bare server in a child process, ready when it answers. */
async function bareProcess(script: string, args: string[], s: OverlapSettings): Promise<Rate> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['-e', script, String(port), ...args], { stdio: 'inherit' });
  const url = `http://127.0.0.1:${port}/v1/track`;
  try {
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      if (await fetch(url, { method: 'POST', body: '{}' }).then((r) => r.ok, () => false)) break;
    }
    return await rate(url, s);
  } finally {
    proc.kill('SIGKILL');
    await waitForExit(proc);
  }
}

async function measure(t: Target, s: OverlapSettings): Promise<Rate> {
  if (t === 'bare') return bareProcess(s.bareServer, [], s);
  if (t.startsWith('bare+')) {
    const dir = await mkdtemp(join(tmpdir(), 'touchline-bench-durable-'));
    try {
      return await bareProcess(DURABLE_SERVER, [join(dir, 'log'), t.endsWith('serial') ? '1' : '2'], s);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const server = await startWithRecordFormat('framed', s.env, t.includes('serial') ? 1 : 2);
  try {
    const cpu = server.cpuSeconds();
    const r = await rate(`${server.url}/v1/track`, s);
    return { ...r, cpuMsPerK: ((server.cpuSeconds() - cpu) * 1e6) / Math.max(1, r.reqPerSec * s.duration) };
  } finally {
    await server.stop();
  }
}

const median = (xs: number[]) => {
  const v = xs.slice().sort((a, b) => a - b);
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
};
const spread = (xs: number[], digits = 2) => `${median(xs).toFixed(digits)} [${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}]`;

/** Runs the rounds and prints each round's rates and ratios, then their medians and ranges. */
export async function commitOverlap(s: OverlapSettings): Promise<void> {
  console.log(`\nspool commit overlap: single-event /v1/track, ${CONNECTIONS} connections, ${s.duration}s per run, ${s.rounds} round(s), five servers per round in rotated order`);
  const rounds: Record<Target, Rate>[] = [];
  for (let round = 0; round < s.rounds; round++) {
    const r = {} as Record<Target, Rate>;
    for (let k = 0; k < TARGETS.length; k++) {
      const t = TARGETS[(k + round) % TARGETS.length]!;
      r[t] = await measure(t, s);
    }
    rounds.push(r);
    console.log(`  round ${round + 1}: ` + TARGETS.map((t) => `${t} ${Math.round(r[t].reqPerSec)} req/s p99 ${r[t].p99} ms`).join('; '));
  }
  const of = (f: (r: Record<Target, Rate>) => number) => rounds.map(f);
  const before = 'touchline serial (before)' as const;
  const after = 'touchline overlapped (after)' as const;
  const lines: [string, number[], number][] = [
    ['before / bare node:http', of((r) => r[before].reqPerSec / r.bare.reqPerSec), 2],
    ['after  / bare node:http (target >= 0.50)', of((r) => r[after].reqPerSec / r.bare.reqPerSec), 2],
    ['before / bare + fdatasync per group (serial)', of((r) => r[before].reqPerSec / r['bare+fdatasync serial'].reqPerSec), 2],
    ['after  / bare + fdatasync per group (serial)', of((r) => r[after].reqPerSec / r['bare+fdatasync serial'].reqPerSec), 2],
    ['after  / bare + fdatasync per group (overlapped)', of((r) => r[after].reqPerSec / r['bare+fdatasync overlapped'].reqPerSec), 2],
    ['after  / before (throughput)', of((r) => r[after].reqPerSec / r[before].reqPerSec), 2],
    ['server CPU ms / 1k requests, before', of((r) => r[before].cpuMsPerK ?? 0), 0],
    ['server CPU ms / 1k requests, after', of((r) => r[after].cpuMsPerK ?? 0), 0],
    ['p99 ms before', of((r) => r[before].p99), 1],
    ['p99 ms after', of((r) => r[after].p99), 1],
    ['p99 ms bare + fdatasync (serial)', of((r) => r['bare+fdatasync serial'].p99), 1],
    ['p99 ms bare + fdatasync (overlapped)', of((r) => r['bare+fdatasync overlapped'].p99), 1],
  ];
  console.log('  median [min–max] over the rounds:');
  for (const [label, xs, digits] of lines) console.log(`    ${label.padEnd(50)} ${spread(xs, digits)}`);
  const bad = rounds.reduce((n, r) => n + TARGETS.reduce((m, t) => m + r[t].non2xx, 0), 0);
  if (bad > 0) console.log(`  (${bad} non-2xx answers: the ratios above are not comparable)`);
}
