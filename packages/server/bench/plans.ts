/**
 * Tracking plan bench: what judging every event against a 100-event plan costs at the collector.
 *
 * The same built server, started on a fresh data dir with plans off and with a 100-event plan in
 * `allow` mode (every event judged and conforming: the common case), alternating rounds of
 * single-event /v1/track (the worst case: per-event overhead is largest against one event's work).
 * Printed as ratios, plan to no plan, same run: requests per second, and CPU per request (steadier
 * on a shared machine). Then the judging alone, in process: a judged event's µs against building
 * its warehouse row, the collector's work it rides on.
 *
 * Environment: BENCH_DURATION (seconds per run, default 10), BENCH_CONNECTIONS (default 32),
 * BENCH_ROUNDS (pairs, default 2).
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { SegmentEvent } from '@touchline/protocol';
import { buildEventRow } from '../src/collector/event-row.js';
import { createUserAgentParser } from '../src/collector/user-agent.js';
import { compilePlan } from '../src/plans/compile-plan.js';
import { createPlanGate } from '../src/plans/plan-gate.js';
import { planFromData } from '../src/plans/load-plan.js';
import { BIN, freePort, waitForExit } from '../test/support/process.js';

const DURATION = Number(process.env['BENCH_DURATION'] ?? 10);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 32);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 2);
const WRITE_KEY = 'bench-write-key-0001';
const AUTH = 'Basic ' + Buffer.from(WRITE_KEY + ':').toString('base64');
const DIST = join(dirname(BIN), '../dist');

/** 100 events: the two the traffic sends, and 98 more of the same shape. */
function plan100(): Record<string, unknown> {
  const product = {
    required: ['sku', 'price'],
    properties: { sku: { type: 'string', pattern: '^sku-' }, price: { type: 'number', minimum: 0 }, currency: { type: 'string', enum: ['EUR', 'USD', 'GBP'] } },
  };
  const events: Record<string, unknown> = { 'Order Completed': { properties: product }, 'Product Viewed': { properties: product } };
  for (let i = 0; i < 98; i++) {
    events[`Thing${i} Viewed`] = { description: `event ${i}`, owner: 'bench', properties: { required: ['id'], properties: { id: { type: 'string' }, n: { type: 'integer', minimum: 0 }, kind: { type: 'string', enum: ['a', 'b'] } } } };
  }
  return { version: 'bench-1', name: 'bench', naming: { events: 'Object Action', properties: 'snake_case' }, events };
}

const EVENT = {
  type: 'track',
  anonymousId: 'anon-1',
  event: 'Product Viewed',
  properties: { sku: 'sku-7', price: 19.99, currency: 'EUR' },
  context: {
    page: { url: 'https://www.shop.test/p/7?utm_source=google&utm_medium=cpc&utm_campaign=spring&gclid=Cj0KCQiA1', referrer: 'https://www.google.com/', title: 'Product' },
    userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15',
    library: { name: 'bench', version: '1' },
  },
};

const LAUNCHER = `
const [dist, dataDir, port, plans] = process.argv.slice(1);
const { resolveConfig } = await import(dist + '/config/config.js');
const { startTouchline } = await import(dist + '/server.js');
const config = resolveConfig({ dataDir, port: Number(port), host: '127.0.0.1', admin: { port: 0 }, plans: JSON.parse(plans) }, process.env, {});
const t = await startTouchline(config, { log: () => undefined });
process.on('SIGTERM', () => void t.close().then(() => process.exit(0)));`;

function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Figure {
  readonly reqPerSec: number;
  readonly cpuMsPerK: number;
  readonly non2xx: number;
}

async function run(withPlan: boolean): Promise<Figure> {
  const dir = await mkdtemp(join(tmpdir(), 'touchline-bench-plans-'));
  const planFile = join(dir, 'plan.json');
  await writeFile(planFile, JSON.stringify(plan100()));
  const port = await freePort();
  const plans = withPlan ? { path: planFile, default: { mode: 'allow' } } : {};
  const proc: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', LAUNCHER, DIST, join(dir, 'data'), String(port), JSON.stringify(plans)], {
    env: { ...process.env, TOUCHLINE_WRITE_KEY: WRITE_KEY },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; i < 300 && !(await fetch(`${url}/healthz`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 100));
    const cpu0 = cpuSecondsOf(proc.pid!);
    const r = await autocannon({ url: `${url}/v1/track`, method: 'POST', headers: { authorization: AUTH, 'content-type': 'application/json' }, body: JSON.stringify(EVENT), connections: CONNECTIONS, duration: DURATION });
    const cpu = cpuSecondsOf(proc.pid!) - cpu0;
    return { reqPerSec: r.requests.average, cpuMsPerK: (cpu * 1000 * 1000) / Math.max(1, r['2xx']), non2xx: r.non2xx + r.errors };
  } finally {
    proc.kill('SIGTERM');
    await waitForExit(proc);
    await rm(dir, { recursive: true, force: true });
  }
}

/** µs per event: the gate judging a one-event batch, and building that event's row; best of 5 rounds each. */
function inProcess(): { judgeUs: number; rowUs: number } {
  const plan = compilePlan(planFromData(plan100(), 'bench'));
  const gate = createPlanGate(() => plan, { default: { mode: 'allow' }, sources: {} }, () => undefined);
  const event = EVENT as unknown as SegmentEvent;
  const deps = { parseUserAgent: createUserAgentParser(), newMessageId: () => 'm', ipTruncation: 'none' as const, maxEventBytes: 32 * 1024 };
  const req = { sourceId: 's', endpoint: '/v1/track', requestId: 'r', receivedAt: new Date().toISOString(), ip: '1.2.3.4', userAgent: undefined, gpc: false };
  const time = (n: number, f: () => void) => {
    let best = Infinity;
    for (let round = 0; round < 5; round++) {
      const t0 = process.cpuUsage();
      for (let i = 0; i < n; i++) f();
      const d = process.cpuUsage(t0);
      best = Math.min(best, (d.user + d.system) / n);
    }
    return best;
  };
  const checked = [{ ok: true as const, event }];
  return { judgeUs: time(200_000, () => gate.judgeBatch(checked, 's')), rowUs: time(20_000, () => buildEventRow(event, req, deps)) };
}

const mean = (xs: readonly Figure[], f: (x: Figure) => number) => xs.reduce((s, x) => s + f(x), 0) / xs.length;
const off: Figure[] = [];
const on: Figure[] = [];
console.log(`tracking plans: single-event /v1/track, plans off vs a 100-event plan in allow mode, ${ROUNDS} alternating pair(s), ${DURATION}s each, ${CONNECTIONS} connections`);
for (let i = 0; i < ROUNDS; i++) {
  off.push(await run(false));
  on.push(await run(true));
  console.log(`  pair ${i + 1}: off ${Math.round(off[i]!.reqPerSec)} req/s ${off[i]!.cpuMsPerK.toFixed(0)} CPU ms/1k; plan ${Math.round(on[i]!.reqPerSec)} req/s ${on[i]!.cpuMsPerK.toFixed(0)} CPU ms/1k; non-2xx ${off[i]!.non2xx + on[i]!.non2xx}`);
}
const throughput = mean(on, (x) => x.reqPerSec) / mean(off, (x) => x.reqPerSec);
const cpu = mean(on, (x) => x.cpuMsPerK) / mean(off, (x) => x.cpuMsPerK);
console.log(`throughput ratio (plan / off): ${throughput.toFixed(3)}  (goal ≥ 0.90)`);
console.log(`CPU per request ratio (plan / off): ${cpu.toFixed(3)}`);
const p = inProcess();
console.log(`in process: judging ${p.judgeUs.toFixed(2)} µs/event, building the row ${p.rowUs.toFixed(2)} µs/event; ratio ${(p.judgeUs / p.rowUs).toFixed(3)}`);
