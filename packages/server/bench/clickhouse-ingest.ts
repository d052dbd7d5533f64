/**
 * Scale bench: events/s end to end (HTTP batch -> spool -> loader -> warehouse, until a count
 * query sees every event) into ClickHouse, and into DuckDB in the same run, printed as a ratio.
 *
 *   npx esbuild packages/server/bench/clickhouse-ingest.ts --bundle --platform=node --format=esm \
 *     --packages=external --outfile=node_modules/.cache/touchline-bench/ch.mjs && node node_modules/.cache/touchline-bench/ch.mjs
 *
 * Options (environment): BENCH_EVENTS (default 200000), BENCH_COLLECTORS (ClickHouse collectors
 * side by side, default 2), TOUCHLINE_BENCH_CLICKHOUSE_URL (use a running server instead of a
 * private one).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openClickHouseWarehouse } from '../src/warehouse/clickhouse/clickhouse-warehouse.js';
import { openDuckDBWarehouse } from '../src/warehouse/duckdb/duckdb-warehouse.js';
import type { Warehouse } from '../src/warehouse/warehouse.js';
import { startClickHouseServer } from '../test/support/clickhouse-server.js';
import { startHarness, type Harness } from '../test/support/harness.js';
import { fromSegments } from '../test/support/rows.js';
import { BENCH_UA as UA, benchEvent as event, writeSegments } from './support/spooled-events.js';

export interface IngestFigure {
  readonly engine: string;
  readonly collectors: number;
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
}

export interface IngestBenchResult {
  readonly duckdb: IngestFigure;
  readonly clickhouse: IngestFigure;
  /** ClickHouse events/s divided by DuckDB events/s. */
  readonly ratio: number;
  /** The loader alone: sealed segment files of spooled rows into each engine, rows/s. */
  readonly loadOnly: { readonly duckdb: number; readonly clickhouse: number };
}

async function loadRate(warehouse: Warehouse, files: readonly string[], events: number): Promise<number> {
  await warehouse.migrate();
  const started = Date.now();
  await warehouse.load({ collectorId: 'bench', ...fromSegments(files), lastSeq: files.length, dedupWindowMs: 24 * 3600_000 });
  const rate = Math.round(events / ((Date.now() - started) / 1000));
  await warehouse.close();
  return rate;
}

async function drive(collectors: readonly Harness[], total: number, batch = 100, concurrency = 8): Promise<number> {
  let next = 0;
  const started = Date.now();
  const worker = async (w: number) => {
    for (;;) {
      const from = next;
      if (from >= total) return;
      next = Math.min(total, from + batch);
      const h = collectors[w % collectors.length]!;
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/batch',
        headers: { authorization: h.auth, 'content-type': 'application/json', 'user-agent': UA },
        payload: { batch: Array.from({ length: next - from }, (_, i) => event(from + i)) },
      });
      if (res.statusCode !== 200) throw new Error(`batch answered ${res.statusCode}: ${res.body}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency * collectors.length }, (_, w) => worker(w)));
  await Promise.all(collectors.map((c) => c.loader.flush()));
  const counted = Number((await collectors[0]!.warehouse.query('SELECT count(*) FROM events')).rows[0]?.[0]);
  if (counted !== total) throw new Error(`expected ${total} events in the warehouse, found ${counted}`);
  return (Date.now() - started) / 1000;
}

async function measure(engine: string, collectors: Harness[], events: number): Promise<IngestFigure> {
  try {
    const seconds = await drive(collectors, events);
    return { engine, collectors: collectors.length, events, seconds, eventsPerSecond: Math.round(events / seconds) };
  } finally {
    for (const c of collectors) await c.dispose();
  }
}

export async function runClickHouseIngestBench(options: { events?: number; collectors?: number; clickhouseUrl?: string } = {}): Promise<IngestBenchResult> {
  const events = options.events ?? 200_000;
  const writeKey = 'wk-bench-0123456789';
  const duckdb = await measure('duckdb', [await startHarness({ writeKey })], events);
  const server = options.clickhouseUrl ? null : await startClickHouseServer();
  try {
    const url = options.clickhouseUrl ?? server!.url;
    const database = `touchline_bench_${Date.now()}`;
    const collectors: Harness[] = [];
    for (let i = 0; i < (options.collectors ?? 2); i++) {
      collectors.push(await startHarness({ writeKey, warehouse: { engine: 'clickhouse', clickhouse: { url, database } } }));
    }
    const clickhouse = await measure('clickhouse', collectors, events);
    const dir = await mkdtemp(join(tmpdir(), 'touchline-bench-'));
    try {
      const files = await writeSegments(dir, events);
      const loadOnly = {
        duckdb: await loadRate(await openDuckDBWarehouse({ path: join(dir, 'w.duckdb') }), files, events),
        clickhouse: await loadRate(await openClickHouseWarehouse({ url, database: `${database}_load` }), files, events),
      };
      return { duckdb, clickhouse, ratio: clickhouse.eventsPerSecond / duckdb.eventsPerSecond, loadOnly };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  } finally {
    await server?.dispose();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const env = process.env;
  const r = await runClickHouseIngestBench({
    events: Number(env['BENCH_EVENTS'] ?? 200_000),
    collectors: Number(env['BENCH_COLLECTORS'] ?? 2),
    ...(env['TOUCHLINE_BENCH_CLICKHOUSE_URL'] ? { clickhouseUrl: env['TOUCHLINE_BENCH_CLICKHOUSE_URL'] } : {}),
  });
  for (const f of [r.duckdb, r.clickhouse]) {
    console.log(`${f.engine.padEnd(10)} ${f.collectors} collector(s)  ${f.events} events  ${f.seconds.toFixed(2)} s  ${f.eventsPerSecond} events/s end to end`);
  }
  console.log(`clickhouse/duckdb ratio: ${r.ratio.toFixed(2)}`);
  console.log(
    `loader alone (sealed segments -> warehouse): duckdb ${r.loadOnly.duckdb} rows/s, clickhouse ${r.loadOnly.clickhouse} rows/s, ` +
      `ratio ${(r.loadOnly.clickhouse / r.loadOnly.duckdb).toFixed(2)}`,
  );
}
