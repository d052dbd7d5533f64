/**
 * Touch store bench: what the tracker endpoint asks of its store per request (one read-modify-
 * write of one visitor, then point reads), SQLite (the embedded default) against DuckDB (the
 * embedded warehouse engine) doing the same thing with the same durability intent.
 *
 *   npx esbuild packages/server/bench/touch-store.ts --bundle --platform=node --format=esm \
 *     --packages=external --outfile=node_modules/.cache/touchline-bench/ts.mjs && node node_modules/.cache/touchline-bench/ts.mjs
 *
 * BENCH_VISITORS (default 20000).
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteTouchStore } from '../src/tracker-endpoint/sqlite-touch-store.js';

const N = Number(process.env['BENCH_VISITORS'] ?? 20_000);
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

const dir = await mkdtemp(join(tmpdir(), 'touchline-bench-touches-'));
try {
  console.log(`${N} visitors, one update each, then ${N} point reads`);
  await sqlite(dir, 'normal');
  await sqlite(dir, 'full');
  await duckdb(dir);
} finally {
  await rm(dir, { recursive: true, force: true });
}
