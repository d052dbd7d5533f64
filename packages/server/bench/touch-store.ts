/**
 * Touch store bench: what the tracker endpoint asks of its store per request (one read-modify-
 * write of one visitor, then point reads), SQLite (the embedded default) against DuckDB (the
 * embedded warehouse engine) doing the same thing with the same durability intent, and the
 * ClickHouse store (shared by collectors) against a private server when clickhouse-server is
 * installed: one update or read at a time (latency), 64 at once (throughput), and how long a
 * write takes to reach another collector.
 *
 *   npm run bench -- touch-store
 *
 * BENCH_VISITORS (default 20000), BENCH_CH_VISITORS (default 5000).
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openClickHouseTouchStore, type ClickHouseTouchStore } from '../src/tracker-endpoint/clickhouse-touch-store.js';
import { openSqliteTouchStore } from '../src/tracker-endpoint/sqlite-touch-store.js';
import type { TouchStore } from '../src/tracker-endpoint/touch-store.js';
import { openClickHouseWarehouse } from '../src/warehouse/clickhouse/clickhouse-warehouse.js';
import { findClickHouseServer, startClickHouseServer } from '../test/support/clickhouse-server.js';

const N = Number(process.env['BENCH_VISITORS'] ?? 20_000);
const N_CH = Number(process.env['BENCH_CH_VISITORS'] ?? 5000);
const touch = (i: number) => ({ url: `https://www.shop.test/p?utm_source=s${i % 50}&utm_medium=cpc&gclid=Cj0KCQjw${i}`, utm_source: `s${i % 50}`, click_id: `Cj0KCQjw${i}`, at: new Date().toISOString() });
const per = (ms: number, n: number) => `${((ms * 1000) / n).toFixed(1)} µs/op (${Math.round((n / ms) * 1000)} op/s)`;

async function sqlite(dir: string, synchronous: 'normal' | 'full') {
  const s = openSqliteTouchStore({ path: join(dir, `t-${synchronous}.sqlite`), synchronous });
  let t = performance.now();
  for (let i = 0; i < N; i++) await s.update(`visitor-${i}-00000000`, (p) => ({ ...p, first: p.first ?? touch(i), last: touch(i), seen: new Date().toISOString() }));
  const w = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < N; i++) await s.get(`visitor-${(i * 7919) % N}-00000000`);
  const r = performance.now() - t;
  await s.close();
  console.log(`sqlite (synchronous=${synchronous})  update ${per(w, N)}  get ${per(r, N)}`);
}

async function duckdb(dir: string) {
  const db = await DuckDBInstance.create(join(dir, 't.duckdb'));
  const c = await db.connect();
  await c.run('CREATE TABLE visitor_touches (visitor_id VARCHAR PRIMARY KEY, first VARCHAR, last VARCHAR, seen VARCHAR)');
  const n = Math.min(N, 5000); // per-commit cost makes the full N take minutes
  let t = performance.now();
  for (let i = 0; i < n; i++) {
    const id = `visitor-${i}-00000000`;
    await c.run('BEGIN');
    const prev = (await c.runAndReadAll('SELECT first FROM visitor_touches WHERE visitor_id = $1', [id])).getRows()[0];
    await c.run(
      'INSERT INTO visitor_touches VALUES ($1, $2, $3, $4) ON CONFLICT (visitor_id) DO UPDATE SET first = COALESCE(visitor_touches.first, excluded.first), last = excluded.last, seen = excluded.seen',
      [id, prev ? null : JSON.stringify(touch(i)), JSON.stringify(touch(i)), new Date().toISOString()],
    );
    await c.run('COMMIT');
  }
  const w = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < n; i++) await c.runAndReadAll('SELECT first, last, seen FROM visitor_touches WHERE visitor_id = $1', [`visitor-${(i * 7919) % n}-00000000`]);
  const r = performance.now() - t;
  c.closeSync();
  console.log(`duckdb (${n} visitors)          update ${per(w, n)}  get ${per(r, n)}`);
}

/** Mean and percentiles of per-operation times (ms). */
function latency(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
  return `mean ${mean.toFixed(2)} ms, p50 ${at(0.5).toFixed(2)} ms, p99 ${at(0.99).toFixed(2)} ms`;
}

async function timed(n: number, op: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await op(i);
    out.push(performance.now() - t);
  }
  return out;
}

/** `concurrency` requests at a time, each for its own visitor; returns op/s. */
async function throughput(n: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) await op(next++);
  }));
  return Math.round((n / (performance.now() - t)) * 1000);
}

async function clickhouse() {
  const server = await startClickHouseServer();
  const stores: ClickHouseTouchStore[] = [];
  try {
    const database = 'touchline_bench_touches';
    const w = await openClickHouseWarehouse({ url: server.url, database });
    await w.migrate();
    const version = w.features.version;
    await w.close();
    const open = async () => {
      const s = await openClickHouseTouchStore({ connection: { url: server.url, database }, log: () => undefined });
      stores.push(s);
      return s;
    };
    const a = await open();
    const b = await open();
    const step = (i: number) => (p: Parameters<Parameters<TouchStore['update']>[1]>[0]) => ({ ...p, first: p.first ?? touch(i), last: touch(i), seen: new Date().toISOString() });
    const n = N_CH;
    console.log(`clickhouse ${version} (a private server on this machine), ${n} visitors, flush every 250 ms`);
    const w1 = await timed(n, (i) => a.update(`visitor-${i}-00000000`, step(i)));
    await a.flush();
    console.log(`  update, one at a time (new visitors)       ${latency(w1)}`);
    const w2 = await timed(n, (i) => b.update(`visitor-${(i * 7919) % n}-00000000`, step(i)));
    await b.flush();
    console.log(`  update, one at a time (known visitors)     ${latency(w2)}`);
    const r1 = await timed(n, (i) => b.get(`visitor-${(i * 104729) % n}-00000000`));
    console.log(`  get, one at a time                         ${latency(r1)}`);
    const u64 = await throughput(n, 64, (i) => a.update(`visitor-${(i * 31) % n}-00000000`, step(i)));
    await a.flush();
    const g64 = await throughput(n, 64, (i) => b.get(`visitor-${(i * 17) % n}-00000000`));
    console.log(`  64 at once (coalesced reads)               update ${u64} op/s, get ${g64} op/s`);
    // how long until another collector sees a write: the flush interval plus an insert
    const lag: number[] = [];
    for (let i = 0; i < 20; i++) {
      const id = `visitor-lag-${i}-0000000`;
      const t = performance.now();
      await a.update(id, step(i));
      while (!(await b.get(id))) await new Promise((r) => setTimeout(r, 5));
      lag.push(performance.now() - t);
    }
    console.log(`  visible to another collector after          ${latency(lag)}`);
  } finally {
    for (const s of stores) await s.close();
    await server.dispose();
  }
}

const dir = await mkdtemp(join(tmpdir(), 'touchline-bench-touches-'));
try {
  console.log(`${N} visitors, one update each, then ${N} point reads`);
  await sqlite(dir, 'normal');
  await sqlite(dir, 'full');
  await duckdb(dir);
  if (findClickHouseServer()) await clickhouse();
  else console.log('clickhouse: skipped (no clickhouse-server binary; apt-get install clickhouse-server)');
} finally {
  await rm(dir, { recursive: true, force: true });
}
