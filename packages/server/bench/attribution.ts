/**
 * Attribution bench: every model over synthetic traffic (10M events, 1M conversions by default),
 * timed against one full-scan GROUP BY over the same events table in the same run (these machines
 * are shared and noisy: only the ratio means something). Target: all models together within 3×
 * that scan. Reports peak memory (RSS: Node and the embedded DuckDB; JS heap: what the streaming
 * engine holds). Then the same data on ClickHouse, when a server binary (or
 * TOUCHLINE_BENCH_CLICKHOUSE_URL) is there: `touchline attribute` on both engines, same answer.
 *
 *   npm run bench -- attribution
 *
 * Environment: BENCH_EVENTS (default 10000000), BENCH_RUNS (default 3), BENCH_MEMORY_LIMIT (DuckDB's, default 2GB), BENCH_CLICKHOUSE=0 to skip
 * ClickHouse, TOUCHLINE_BENCH_CLICKHOUSE_URL to use a running server.
 */
import { MODEL_NAMES, type AttributionResult, type ModelResult } from '@touchline/attribution';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runAttribution, type AttributeRequest } from '../src/attribute/run-attribution.js';
import { resolveConfig, type Config } from '../src/config/config.js';
import { createDerivedModel } from '../src/identity/derived-model.js';
import { openClickHouseWarehouse } from '../src/warehouse/clickhouse/clickhouse-warehouse.js';
import { TimestampFlavor } from '../src/warehouse/clickhouse/clickhouse-features.js';
import { openDuckDBWarehouse } from '../src/warehouse/duckdb/duckdb-warehouse.js';
import type { Warehouse } from '../src/warehouse/warehouse.js';
import { clickhouseSkipReason, startClickHouseServer } from '../test/support/clickhouse-server.js';
import { copyToClickHouse, generateDuckDBData, type SyntheticData } from './support/attribution-data.js';

/** The ten models `touchline attribute` runs by name (every engine model but ordered Shapley, a variant of Shapley). */
export const ALL_MODELS: AttributeRequest['models'] = MODEL_NAMES.filter((m) => m !== 'ordered_shapley');

/** The baseline: one GROUP BY over every event (per visitor: count, first and last time). */
const SCAN = `SELECT count(*) AS visitors, sum(n) AS events, max(last_t - first_t) AS span FROM (
  SELECT anonymous_id, count(*) AS n, min("timestamp") AS first_t, max("timestamp") AS last_t FROM events GROUP BY anonymous_id)`;
const CH_SCAN = `SELECT count() AS visitors, sum(n) AS events, max(last_t) AS last FROM (
  SELECT anonymous_id, count() AS n, min("timestamp") AS first_t, max("timestamp") AS last_t FROM events GROUP BY anonymous_id)`;

export interface EngineFigures {
  /** Median of the baseline scans, ms. */
  readonly scanMs: number;
  /** Median of full attribution runs (every model), ms. */
  readonly runMs: number;
  /** runMs / scanMs: the target is at most 3. */
  readonly ratio: number;
  /** The lowest and highest of each run's time over the scans' median: the spread of `ratio`. */
  readonly ratioSpread: readonly [number, number];
  /** Of a run: SQL building and streaming the paths, ms (the rest is the engine's result()). */
  readonly sqlMs: number;
}

export interface AttributionBenchResult {
  readonly data: SyntheticData;
  readonly generateMs: number;
  readonly duckdb: EngineFigures & {
    /** Rebuilding every session from scratch (done once per rule change; loads refresh per batch). */
    readonly sessionsRebuildMs: number;
    /** A run that computes sessions on read (the stored ones stale), and its ratio. */
    readonly onReadRunMs: number;
    readonly onReadRatio: number;
    /** Peak RSS during the runs (Node + embedded DuckDB), and the JS heap, MB. */
    readonly peakRssMb: number;
    /** DuckDB's `memory_limit` for the runs (it spills past it): what bounds its share of the RSS. */
    readonly memoryLimit: string;
    readonly peakHeapMb: number;
    readonly heapBeforeMb: number;
  };
  readonly clickhouse: (EngineFigures & { readonly version: string; readonly copyMs: number; readonly sameCredits: boolean; readonly maxCreditDifference: number }) | null;
  /** Why the ClickHouse half failed, when it did (the DuckDB figures stand). */
  readonly clickhouseError?: string;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const v = await fn();
  return [v, performance.now() - t];
}

/** Peak RSS and heap while `fn` runs, sampled every 10 ms. */
async function watchMemory<T>(fn: () => Promise<T>): Promise<{ value: T; rss: number; heap: number }> {
  let rss = 0;
  let heap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  };
  const timer = setInterval(sample, 10);
  try {
    const value = await fn();
    sample();
    return { value, rss, heap };
  } finally {
    clearInterval(timer);
  }
}

/** Scans and runs interleaved, so a busy moment on the machine weighs on both alike. */
async function measure(w: Warehouse, config: Config, scan: string, req: AttributeRequest, runs: number, sessionsOnRead: boolean) {
  const scans: number[] = [];
  const times: number[] = [];
  const sql: number[] = [];
  let result: AttributionResult | null = null;
  for (let i = 0; i < runs; i++) {
    scans.push((await timed(() => w.query(scan)))[1]);
    const [r, ms] = await timed(() => runAttribution(w, config, req, { sessionsOnRead }));
    times.push(ms);
    sql.push(r.timings.sqlAndStreamMs);
    result = r;
  }
  scans.push((await timed(() => w.query(scan)))[1]);
  const scanMs = median(scans);
  const runMs = median(times);
  const ratioSpread = [Math.min(...times) / scanMs, Math.max(...times) / scanMs] as const;
  return { scanMs, runMs, ratio: runMs / scanMs, ratioSpread, sqlMs: median(sql), result: result! };
}

function creditDifference(a: readonly ModelResult[], b: readonly ModelResult[]): number {
  let worst = 0;
  a.forEach((m, i) => {
    for (const [k, c] of Object.entries(m.credits)) {
      const o = b[i]?.credits[k];
      const d = o ? Math.abs(o.conversions - c.conversions) / Math.max(1, Math.abs(c.conversions)) : Infinity;
      worst = Math.max(worst, d);
    }
  });
  return worst;
}

/** DuckDB's memory limit in the bench unless BENCH_MEMORY_LIMIT says otherwise: stated, not DuckDB's default of 80 % of the machine. */
export const BENCH_MEMORY_LIMIT = '2GB';

export async function runAttributionBench(options: { events?: number; runs?: number; clickhouse?: boolean; clickhouseUrl?: string; memoryLimit?: string; log?: (s: string) => void } = {}): Promise<AttributionBenchResult> {
  const events = options.events ?? 10_000_000;
  const runs = options.runs ?? 3;
  const log = options.log ?? (() => undefined);
  const dir = await mkdtemp(join(tmpdir(), 'touchline-attr-bench-'));
  const config = resolveConfig({ dataDir: dir, tracker: { siteDomains: ['shop.test'] } }, {}, {});
  const req: AttributeRequest = { models: ALL_MODELS, level: 'channel' };
  const duckdbPath = join(dir, 'bench.duckdb');
  const memoryLimit = options.memoryLimit ?? BENCH_MEMORY_LIMIT;
  const duck = await openDuckDBWarehouse({ path: duckdbPath, settings: { memory_limit: memoryLimit } });
  let duckOpen = true;
  try {
    await duck.migrate();
    log(`generating ${events.toLocaleString('en-US')} events in DuckDB…`);
    const [data, generateMs] = await timed(() => generateDuckDBData(duck, events));
    const model = createDerivedModel(duck, config);
    await model.ensure();
    const [, sessionsRebuildMs] = await timed(() => model.rebuildSessions());
    log(`  ${data.events} events, ${data.conversions} conversions, ${data.people} people; sessions rebuilt in ${(sessionsRebuildMs / 1000).toFixed(1)} s`);
    const heapBeforeMb = process.memoryUsage().heapUsed / 2 ** 20;
    const stored = await watchMemory(() => measure(duck, config, SCAN, req, runs, false));
    const onRead = await measure(duck, config, SCAN, req, 1, true);
    const duckdb = {
      scanMs: stored.value.scanMs,
      runMs: stored.value.runMs,
      ratio: stored.value.ratio,
      ratioSpread: stored.value.ratioSpread,
      sqlMs: stored.value.sqlMs,
      sessionsRebuildMs,
      onReadRunMs: onRead.runMs,
      onReadRatio: onRead.ratio,
      peakRssMb: stored.rss / 2 ** 20,
      memoryLimit,
      peakHeapMb: stored.heap / 2 ** 20,
      heapBeforeMb,
    };
    log(duckdbReport(data, generateMs, duckdb));
    let clickhouse: AttributionBenchResult['clickhouse'] = null;
    let clickhouseError: string | undefined;
    const wantClickHouse = options.clickhouse ?? (options.clickhouseUrl !== undefined || clickhouseSkipReason() === null);
    if (wantClickHouse) {
      const server = options.clickhouseUrl ? null : await startClickHouseServer();
      const url = options.clickhouseUrl ?? server!.url;
      const ch = await openClickHouseWarehouse({ url, database: 'touchline_attr_bench' });
      try {
        await ch.migrate();
        log(`copying the same data into ClickHouse ${ch.features.version}…`);
        // The copy reads the DuckDB file with a DuckDB of its own: the warehouse closes first.
        await duck.close();
        duckOpen = false;
        const [, copyMs] = await timed(() =>
          copyToClickHouse(duckdbPath, { url, database: 'touchline_attr_bench', isoTimestamps: ch.features.timestamps === TimestampFlavor.IsoString }, dir),
        );
        await createDerivedModel(ch, config).ensure();
        const m = await measure(ch, config, CH_SCAN, req, runs, true);
        const diff = creditDifference(stored.value.result.models, m.result.models);
        clickhouse = { version: ch.features.version, copyMs, scanMs: m.scanMs, runMs: m.runMs, ratio: m.ratio, ratioSpread: m.ratioSpread, sqlMs: m.sqlMs, sameCredits: diff < 1e-9, maxCreditDifference: diff };
      } catch (err) {
        clickhouseError = (err as Error).message.split('\n')[0];
      } finally {
        await ch.close();
        await server?.dispose();
      }
    }
    return { data, generateMs, duckdb, clickhouse, ...(clickhouseError ? { clickhouseError } : {}) };
  } finally {
    if (duckOpen) await duck.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function duckdbReport(data: SyntheticData, generateMs: number, d: AttributionBenchResult['duckdb']): string {
  return [
    `data: ${data.events.toLocaleString('en-US')} events, ${data.conversions.toLocaleString('en-US')} conversions, ${data.people.toLocaleString('en-US')} people (generated in ${s(generateMs)})`,
    `models: ${ALL_MODELS.join(', ')}`,
    `duckdb  full-scan GROUP BY      ${s(d.scanMs)}`,
    `duckdb  every model             ${s(d.runMs)}  (paths SQL + stream ${s(d.sqlMs)})   ratio ${d.ratio.toFixed(2)}× the scan (runs ${d.ratioSpread[0].toFixed(2)}–${d.ratioSpread[1].toFixed(2)}×; target ≤ 3×)`,
    `duckdb  sessions on read        ${s(d.onReadRunMs)}   ratio ${d.onReadRatio.toFixed(2)}×   (sessions rebuild alone: ${s(d.sessionsRebuildMs)})`,
    `duckdb  peak memory             RSS ${d.peakRssMb.toFixed(0)} MB (Node + DuckDB, memory_limit ${d.memoryLimit}), JS heap ${d.peakHeapMb.toFixed(0)} MB (${d.heapBeforeMb.toFixed(0)} MB before)`,
  ].join('\n');
}

export function report(r: AttributionBenchResult): string {
  const lines = [duckdbReport(r.data, r.generateMs, r.duckdb)];
  const c = r.clickhouse;
  if (c) {
    lines.push(
      `clickhouse ${c.version}: copy ${s(c.copyMs)}, full-scan GROUP BY ${s(c.scanMs)}, every model ${s(c.runMs)} (paths ${s(c.sqlMs)}), ratio ${c.ratio.toFixed(2)}× (runs ${c.ratioSpread[0].toFixed(2)}–${c.ratioSpread[1].toFixed(2)}×)`,
      `clickhouse vs duckdb: ${c.sameCredits ? 'same credits' : `credits differ (worst relative difference ${c.maxCreditDifference})`}`,
    );
  } else if (r.clickhouseError) lines.push(`clickhouse: failed: ${r.clickhouseError}`);
  else lines.push('clickhouse: skipped (no server binary; set TOUCHLINE_BENCH_CLICKHOUSE_URL or install clickhouse-server)');
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const events = Number(process.env['BENCH_EVENTS'] ?? 10_000_000);
  const runs = Number(process.env['BENCH_RUNS'] ?? 3);
  const url = process.env['TOUCHLINE_BENCH_CLICKHOUSE_URL'];
  const r = await runAttributionBench({
    events,
    runs,
    ...(process.env['BENCH_CLICKHOUSE'] === '0' ? { clickhouse: false } : {}),
    ...(url ? { clickhouseUrl: url } : {}),
    ...(process.env['BENCH_MEMORY_LIMIT'] ? { memoryLimit: process.env['BENCH_MEMORY_LIMIT'] } : {}),
    log: (x) => console.log(x),
  });
  console.log(`\n${report(r)}`);
  if (r.clickhouseError) process.exitCode = 1;
}
