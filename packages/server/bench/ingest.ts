/**
 * Ingest bench: single-event POSTs and /v1/batch of 100, against `touchline start` (child
 * process, embedded DuckDB) and, in the same run, a bare node:http server that reads the body,
 * parses the JSON and answers 200 — the physical limit of one Node process on this machine.
 *
 * Prints events/s, the ratio to the bare server, p50/p99 latency, the collector's peak RSS, and
 * the end-to-end time until every accepted event is queryable in the warehouse.
 *
 * Then what checksummed spool records cost: single-event /v1/track against the same server
 * writing framed records and writing the earlier unframed lines, alternating, same run; and the
 * encoding of one row in isolation.
 *
 * Then each other protocol's single-event rate (Amplitude, PostHog, Snowplow, AppsFlyer postbacks)
 * as a ratio of Segment's /v1/track on the same server in the same run (support/protocol-ingest.ts).
 *
 * Then what overlapping spool commits buys: single-event /v1/track at 32 connections with the
 * earlier serial commit path and the overlapped one, each as a ratio to bare node:http and to bare
 * node:http doing the same fdatasync per group, same rounds (support/commit-overlap.ts).
 *
 * Environment: BENCH_DURATION (seconds per run, default 10), BENCH_CONNECTIONS (default 64),
 * BENCH_FRAMING_ROUNDS (framed/unframed pairs, default 2), BENCH_OVERLAP_ROUNDS (default 3),
 * BENCH_REDACTION_ROUNDS (redaction on/off pairs, default 2),
 * BENCH_INGEST_CPU_BATCHES (batches of 100 per round of the in-process CPU figure, default 300),
 * BENCH_INGEST_ONLY=main|protocols|overlap|redaction|cpu (only that section; `main`: the table above).
 * The servers inherit the environment: TOUCHLINE_DUCKDB_THREADS=1 measures them with one DuckDB thread.
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startServerProcess, waitForExit } from '../test/support/process.js';
import { eventLine } from '../test/support/rows.js';
import { measureEncode, startWithRecordFormat, type RecordFormat } from './support/framing.js';
import { commitOverlap } from './support/commit-overlap.js';
import { protocolIngest } from './support/protocol-ingest.js';
import { redactionCost } from './support/redaction.js';
import { ingestCpu } from './support/ingest-cpu.js';

const DURATION = Number(process.env['BENCH_DURATION'] ?? 10);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 64);
const FRAMING_ROUNDS = Number(process.env['BENCH_FRAMING_ROUNDS'] ?? 2);
const OVERLAP_ROUNDS = Number(process.env['BENCH_OVERLAP_ROUNDS'] ?? 3);
const WRITE_KEY = 'bench-write-key-0001';
const ADMIN = 'bench-admin-token-0123456789abcdef';
const AUTH = 'Basic ' + Buffer.from(WRITE_KEY + ':').toString('base64');

const BARE_SERVER = `
const http = require('node:http');
http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    try { JSON.parse(Buffer.concat(chunks).toString('utf8')); res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"success":true}'); }
    catch { res.writeHead(400); res.end(); }
  });
}).listen(Number(process.argv[1]), '127.0.0.1');`;

function event(i: number): Record<string, unknown> {
  return {
    type: 'track',
    anonymousId: `anon-${i % 5000}`,
    userId: i % 3 === 0 ? `user-${i % 1000}` : undefined,
    event: i % 4 === 0 ? 'Order Completed' : 'Product Viewed',
    properties: { sku: `sku-${i % 200}`, price: (i % 90) + 9.99, currency: 'EUR' },
    context: {
      page: {
        url: `https://www.shop.test/p/${i % 200}?utm_source=google&utm_medium=cpc&utm_campaign=spring&gclid=Cj0KCQiA${i % 997}`,
        referrer: 'https://www.google.com/',
        title: 'Product',
      },
      userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15',
      library: { name: 'bench', version: '1' },
    },
    timestamp: new Date().toISOString(),
  };
}

const SINGLE = JSON.stringify(event(1));
const BATCH = JSON.stringify({ batch: Array.from({ length: 100 }, (_, i) => event(i)) });

interface Run {
  readonly reqPerSec: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly p50: number;
  readonly p99: number;
  readonly seconds: number;
}

async function load(url: string, body: string): Promise<Run> {
  const r = await autocannon({
    url,
    method: 'POST',
    headers: { authorization: AUTH, 'content-type': 'application/json' },
    body,
    connections: CONNECTIONS,
    duration: DURATION,
  });
  return { reqPerSec: r.requests.average, ok: r['2xx'], non2xx: r.non2xx + r.errors, p50: r.latency.p50, p99: r.latency.p99, seconds: r.duration };
}

function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

async function bare(): Promise<{ single: Run; batch: Run }> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['-e', BARE_SERVER, String(port)], { stdio: 'inherit' });
  await new Promise((r) => setTimeout(r, 500));
  try {
    const single = await load(`http://127.0.0.1:${port}/v1/track`, SINGLE);
    const batch = await load(`http://127.0.0.1:${port}/v1/batch`, BATCH);
    return { single, batch };
  } finally {
    proc.kill('SIGKILL');
  }
}

async function countEvents(url: string): Promise<number> {
  const res = await fetch(`${url}/admin/sql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sql: 'select count(*) from events' }),
  });
  const j = (await res.json()) as { rows: [[number]] };
  return Number(j.rows[0][0]);
}

async function touchline(path: string, body: string, eventsPerRequest: number) {
  const dir = await mkdtemp(join(tmpdir(), 'touchline-bench-'));
  const port = await freePort();
  const server = await startServerProcess(dir, port, { TOUCHLINE_WRITE_KEY: WRITE_KEY, TOUCHLINE_ADMIN_TOKEN: ADMIN });
  const proc: ChildProcess = server.proc;
  try {
    const started = Date.now();
    const run = await load(`${server.url}${path}`, body);
    const loadEnded = Date.now();
    const accepted = run.ok * eventsPerRequest;
    let loaded = 0;
    while ((loaded = await countEvents(server.adminUrl)) < accepted) await new Promise((r) => setTimeout(r, 50));
    const queryable = Date.now();
    return {
      run,
      accepted,
      loaded,
      drainSeconds: (queryable - loadEnded) / 1000,
      endToEndEventsPerSec: accepted / ((queryable - started) / 1000),
      rss: peakRss(proc.pid!),
    };
  } finally {
    proc.kill('SIGTERM');
    await waitForExit(proc);
    await rm(dir, { recursive: true, force: true });
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (n: number) => `${(n / 1024 ** 2).toFixed(0)} MB`;

const overlap = () =>
  commitOverlap({ body: SINGLE, auth: AUTH, env: { TOUCHLINE_WRITE_KEY: WRITE_KEY, TOUCHLINE_ADMIN_TOKEN: ADMIN }, duration: DURATION, rounds: OVERLAP_ROUNDS, bareServer: BARE_SERVER });

const redactionBench = () =>
  redactionCost({
    auth: AUTH, env: { TOUCHLINE_WRITE_KEY: WRITE_KEY, TOUCHLINE_ADMIN_TOKEN: ADMIN }, batch: BATCH, event: event(1) as never,
    duration: DURATION, connections: CONNECTIONS, rounds: Number(process.env['BENCH_REDACTION_ROUNDS'] ?? 2),
  });
/** CPU per event of the ingest step in process (support/ingest-cpu.ts), 3 rounds. */
async function cpuPerEvent(): Promise<void> {
  const r = await ingestCpu(BATCH, Number(process.env['BENCH_INGEST_CPU_BATCHES'] ?? 300), 3);
  const ratios = r.ingestUs.map((u, i) => u / r.parseUs[i]!);
  const med = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(
    `ingest step in process (validate, redact, stamp against SQLite, build the row; spool stubbed): ${med(r.ingestUs).toFixed(1)} CPU us/event ` +
      `(rounds ${r.ingestUs.map((u) => u.toFixed(1)).join(', ')}) = ${med(ratios).toFixed(1)}x JSON.parse of the same body ` +
      `(${med(r.parseUs).toFixed(1)} us/event; ratios ${Math.min(...ratios).toFixed(1)}-${Math.max(...ratios).toFixed(1)})`,
  );
}
if (process.env['BENCH_INGEST_ONLY'] === 'cpu') {
  await cpuPerEvent();
  process.exit(0);
}
if (process.env['BENCH_INGEST_ONLY'] === 'redaction') {
  await redactionBench();
  process.exit(0);
}
if (process.env['BENCH_INGEST_ONLY'] === 'protocols') {
  await protocolIngest(WRITE_KEY, ADMIN, DURATION, CONNECTIONS);
  process.exit(0);
}
if (process.env['BENCH_INGEST_ONLY'] === 'overlap') {
  await overlap();
  process.exit(0);
}

console.log(`ingest bench: ${DURATION}s per run, ${CONNECTIONS} connections, autocannon in the bench process, servers in child processes`);
const base = await bare();
const single = await touchline('/v1/track', SINGLE, 1);
const batch = await touchline('/v1/batch', BATCH, 100);

const rows = [
  ['bare node:http, single', fmt(base.single.reqPerSec), '1.00', `${base.single.p50} / ${base.single.p99}`, '-', '-'],
  ['touchline /v1/track', fmt(single.run.reqPerSec), (single.run.reqPerSec / base.single.reqPerSec).toFixed(2), `${single.run.p50} / ${single.run.p99}`, mb(single.rss), `${single.drainSeconds.toFixed(2)} s`],
  ['bare node:http, batch of 100', fmt(base.batch.reqPerSec * 100), '1.00', `${base.batch.p50} / ${base.batch.p99}`, '-', '-'],
  ['touchline /v1/batch (100)', fmt(batch.run.reqPerSec * 100), (batch.run.reqPerSec / base.batch.reqPerSec).toFixed(2), `${batch.run.p50} / ${batch.run.p99}`, mb(batch.rss), `${batch.drainSeconds.toFixed(2)} s`],
];
const head = ['run', 'events/s accepted', 'ratio to bare', 'p50 / p99 ms', 'peak RSS', 'drain after load'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
console.log([head, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n'));
console.log('');
console.log(`single-event ingest: ${(single.run.reqPerSec / base.single.reqPerSec).toFixed(2)} of the bare server's request rate (target >= 0.50)`);
console.log(
  `batched ingest end to end (HTTP -> spool -> DuckDB, until queryable): ${fmt(batch.endToEndEventsPerSec)} events/s ` +
    `(${fmt(batch.accepted)} events; target >= 100,000/s) = ${(batch.endToEndEventsPerSec / (base.batch.reqPerSec * 100)).toFixed(2)} of the bare server's batch parse rate`,
);
// autocannon stops with requests in flight: the server may have stored up to one request per
// connection more than the answers counted, never fewer.
const consistent = (r: { loaded: number; accepted: number }, perRequest: number) => r.loaded >= r.accepted && r.loaded <= r.accepted + CONNECTIONS * perRequest;
console.log(
  `non-2xx answers: single ${single.run.non2xx}, batch ${batch.run.non2xx}; every acknowledged event loaded: ` +
    `${consistent(single, 1) && consistent(batch, 100)} (rows ${fmt(single.loaded)} / ${fmt(batch.loaded)} for ${fmt(single.accepted)} / ${fmt(batch.accepted)} answers counted; ` +
    `the rest were in flight when the load stopped)`,
);

if (process.env['BENCH_INGEST_ONLY'] === 'main') process.exit(0);

/** Single-event /v1/track, framed and unframed, alternating (ABBA…) so drift on a shared machine cancels out. */
interface FramingRun extends Run {
  /** Server CPU ms per 1,000 acknowledged requests during the run. */
  readonly cpuMsPerK: number;
}

async function framingRuns(): Promise<Record<RecordFormat, FramingRun[]>> {
  const runs: Record<RecordFormat, FramingRun[]> = { framed: [], ndjson: [] };
  for (let round = 0; round < FRAMING_ROUNDS; round++) {
    const order: RecordFormat[] = round % 2 === 0 ? ['framed', 'ndjson'] : ['ndjson', 'framed'];
    for (const format of order) {
      const server = await startWithRecordFormat(format, { TOUCHLINE_WRITE_KEY: WRITE_KEY, TOUCHLINE_ADMIN_TOKEN: ADMIN });
      try {
        const cpu = server.cpuSeconds();
        const run = await load(`${server.url}/v1/track`, SINGLE);
        runs[format].push({ ...run, cpuMsPerK: ((server.cpuSeconds() - cpu) * 1e6) / Math.max(1, run.ok) });
      } finally {
        await server.stop();
      }
    }
  }
  return runs;
}

console.log('');
console.log(`spool framing: single-event /v1/track, the same server writing checksummed records vs unframed lines, ${FRAMING_ROUNDS} alternating pair(s)`);
const framing = await framingRuns();
const mean = (runs: FramingRun[], of: (r: FramingRun) => number) => runs.reduce((n, r) => n + of(r), 0) / runs.length;
for (let i = 0; i < FRAMING_ROUNDS; i++) {
  const f = framing.framed[i]!;
  const u = framing.ndjson[i]!;
  console.log(
    `  pair ${i + 1}: framed ${fmt(f.reqPerSec)} req/s, ${f.cpuMsPerK.toFixed(0)} CPU ms/1k req; ` +
      `unframed ${fmt(u.reqPerSec)} req/s, ${u.cpuMsPerK.toFixed(0)} CPU ms/1k req; throughput ratio ${(f.reqPerSec / u.reqPerSec).toFixed(3)}`,
  );
}
const framingRatio = mean(framing.framed, (r) => r.reqPerSec) / mean(framing.ndjson, (r) => r.reqPerSec);
const cpuRatio = mean(framing.framed, (r) => r.cpuMsPerK) / mean(framing.ndjson, (r) => r.cpuMsPerK);
console.log(
  `framed / unframed single-event throughput: ${framingRatio.toFixed(3)} (framing costs ${((1 - framingRatio) * 100).toFixed(1)}%; target < 5%); ` +
    `server CPU per request: ${cpuRatio.toFixed(3)} (${((cpuRatio - 1) * 100).toFixed(1)}% more with framing); ` +
    `non-2xx: framed ${framing.framed.reduce((n, r) => n + r.non2xx, 0)}, unframed ${framing.ndjson.reduce((n, r) => n + r.non2xx, 0)}`,
);
const line = eventLine(JSON.parse(SINGLE) as Record<string, unknown>);
for (const rowsPerAppend of [1, 100]) {
  const e = measureEncode(line, rowsPerAppend);
  console.log(
    `encode, ${rowsPerAppend} row(s) of ${Buffer.byteLength(line)} bytes per append: framed ${e.framedNs.toFixed(0)} ns/row, unframed ${e.unframedNs.toFixed(0)} ns/row ` +
      `(+${(e.framedNs - e.unframedNs).toFixed(0)} ns/row, ratio ${(e.framedNs / e.unframedNs).toFixed(2)}); ` +
      `with the request id field ${e.framedWithIdNs.toFixed(0)} ns/row (ratio to framed without it ${(e.framedWithIdNs / e.framedNs).toFixed(2)})`,
  );
}

await cpuPerEvent();
await overlap();
await protocolIngest(WRITE_KEY, ADMIN, DURATION, CONNECTIONS);
await redactionBench();
