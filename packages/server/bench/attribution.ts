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
 * ClickHouse, TOUCHLINE_BENCH_CLICKHOUSE_URL to use a running server, BENCH_CHDB=1 to run the same
 * ClickHouse half on a current release in process through chDB too (bench-only: chDB is not a
 * dependency; `npm install --no-save chdb`, or TOUCHLINE_CHDB_CONNECTION, as test/support/chdb.ts).
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
import { clickhouseQuoteIdent } from '../src/warehouse/dialect/clickhouse-quoting.js';
import { TimestampFlavor } from '../src/warehouse/clickhouse/clickhouse-features.js';
import { openDuckDBWarehouse } from '../src/warehouse/duckdb/duckdb-warehouse.js';
import type { Warehouse } from '../src/warehouse/warehouse.js';
import { clickhouseSkipReason, startClickHouseServer } from '../test/support/clickhouse-server.js';
import { chdbWarehouse, loadChdb } from '../test/support/chdb.js';
import type { ClickHouseWarehouse } from '../src/warehouse/clickhouse/clickhouse-warehouse.js';
import { copyToClickHouse, generateDuckDBData, type ClickHouseTarget, type SyntheticData } from './support/attribution-data.js';

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
  readonly clickhouse: ClickHouseFigures | null;
  /** Why the ClickHouse half failed, when it did (the DuckDB figures stand). */
  readonly clickhouseError?: string;
  /** The same on a current release through chDB (with `chdb`), and why it failed when it did. */
  readonly chdb?: ClickHouseFigures | null;
  readonly chdbError?: string;
}

export type ClickHouseFigures = EngineFigures & { readonly version: string; readonly copyMs: number; readonly sameCredits: boolean; readonly maxCreditDifference: number };

const BENCH_DATABASE = 'touchline_attr_bench';

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

export async function runAttributionBench(options: { events?: number; runs?: number; clickhouse?: boolean; clickhouseUrl?: string; chdb?: boolean; memoryLimit?: string; log?: (s: string) => void } = {}): Promise<AttributionBenchResult> {
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
    // The copies read the DuckDB file with a DuckDB of their own: the warehouse closes first.
    await duck.close();
    duckOpen = false;
    const ctx: ClickHousePart = { config, req, runs, dir, duckdbPath, log, duckModels: stored.value.result.models };
    const wantClickHouse = options.clickhouse ?? (options.clickhouseUrl !== undefined || clickhouseSkipReason() === null);
    const server: PartResult = wantClickHouse ? await serverClickHouse(ctx, options.clickhouseUrl) : { figures: null };
    const chdb = options.chdb ? await chdbClickHouse(ctx) : undefined;
    return {
      data, generateMs, duckdb,
      clickhouse: server.figures,
      ...(server.error ? { clickhouseError: server.error } : {}),
      ...(chdb ? { chdb: chdb.figures, ...(chdb.error ? { chdbError: chdb.error } : {}) } : {}),
    };
  } finally {
    if (duckOpen) await duck.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** What a ClickHouse half of the bench needs from the DuckDB half. */
interface ClickHousePart {
  readonly config: Config;
  readonly req: AttributeRequest;
  readonly runs: number;
  readonly dir: string;
  readonly duckdbPath: string;
  readonly log: (s: string) => void;
  readonly duckModels: readonly ModelResult[];
}

type PartResult = { figures: ClickHouseFigures | null; error?: string };

/** Copies the DuckDB data into `ch`, then times every model against the scan there, checking the credits against DuckDB's. */
async function measureClickHouse(ch: ClickHouseWarehouse, target: ClickHouseTarget, p: ClickHousePart, name: string): Promise<ClickHouseFigures> {
  await ch.migrate();
  p.log(`copying the same data into ClickHouse ${ch.features.version}…`);
  const [, copyMs] = await timed(() => copyToClickHouse(p.duckdbPath, target, p.dir));
  await createDerivedModel(ch, p.config).ensure();
  const m = await measure(ch, p.config, CH_SCAN, p.req, p.runs, true);
  const diff = creditDifference(p.duckModels, m.result.models);
  const figures = { version: ch.features.version, copyMs, scanMs: m.scanMs, runMs: m.runMs, ratio: m.ratio, ratioSpread: m.ratioSpread, sqlMs: m.sqlMs, sameCredits: diff < 1e-9, maxCreditDifference: diff };
  p.log(clickhouseReport(name, figures).join('\n'));
  return figures;
}

/** The server half: Debian's 18.16 started here, or the server at `url`. */
async function serverClickHouse(p: ClickHousePart, url: string | undefined): Promise<PartResult> {
  const server = url ? null : await startClickHouseServer();
  const at = url ?? server!.url;
  const ch = await openClickHouseWarehouse({ url: at, database: BENCH_DATABASE });
  try {
    const target = { url: at, database: BENCH_DATABASE, isoTimestamps: ch.features.timestamps === TimestampFlavor.IsoString };
    return { figures: await measureClickHouse(ch, target, p, 'clickhouse') };
  } catch (err) {
    return { figures: null, error: (err as Error).message.split('\n')[0] ?? '' };
  } finally {
    await ch.close();
    await server?.dispose();
  }
}

/**
 * The chDB half: a current release in this process. It has no HTTP interface, so the copy's files
 * go in through the `file()` table function, typed by the store table's own columns.
 */
async function chdbClickHouse(p: ClickHousePart): Promise<PartResult> {
  const chdb = await loadChdb('the chDB half of the attribution bench');
  if (!chdb) return { figures: null, error: 'chDB not found (npm install --no-save chdb, or TOUCHLINE_CHDB_CONNECTION)' };
  const fx = await chdbWarehouse(chdb, BENCH_DATABASE);
  const ch = fx.warehouse;
  const insertFile = async (table: string, columns: readonly string[], file: string) => {
    const types = await ch.query(`SELECT name, type FROM system.columns WHERE database = $db AND table = $table`, { params: { db: BENCH_DATABASE, table } });
    const typeOf = new Map(types.rows.map(([n, t]) => [String(n), String(t)]));
    const structure = columns.map((c) => `${clickhouseQuoteIdent(c)} ${typeOf.get(c) ?? 'String'}`).join(', ');
    const into = `${clickhouseQuoteIdent(BENCH_DATABASE)}.${clickhouseQuoteIdent(table)} (${columns.map(clickhouseQuoteIdent).join(', ')})`;
    await ch.query(`INSERT INTO ${into} SELECT * FROM file($file, 'TabSeparated', $structure)`, { readOnly: false, params: { file, structure } });
  };
  try {
    return { figures: await measureClickHouse(ch, { url: 'http://chdb.invalid', database: BENCH_DATABASE, isoTimestamps: false, insertFile }, p, 'chdb (current release)') };
  } catch (err) {
    return { figures: null, error: (err as Error).message.split('\n')[0] ?? '' };
  } finally {
    await fx.dispose();
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

function clickhouseReport(name: string, c: ClickHouseFigures): string[] {
  return [
    `${name} ${c.version}: copy ${s(c.copyMs)}, full-scan GROUP BY ${s(c.scanMs)}, every model ${s(c.runMs)} (paths ${s(c.sqlMs)}), ratio ${c.ratio.toFixed(2)}× (runs ${c.ratioSpread[0].toFixed(2)}–${c.ratioSpread[1].toFixed(2)}×)`,
    `${name} vs duckdb: ${c.sameCredits ? 'same credits' : `credits differ (worst relative difference ${c.maxCreditDifference})`}`,
  ];
}

export function report(r: AttributionBenchResult): string {
  const lines = [duckdbReport(r.data, r.generateMs, r.duckdb)];
  if (r.clickhouse) lines.push(...clickhouseReport('clickhouse', r.clickhouse));
  else if (r.clickhouseError) lines.push(`clickhouse: failed: ${r.clickhouseError}`);
  else lines.push('clickhouse: skipped (no server binary; set TOUCHLINE_BENCH_CLICKHOUSE_URL or install clickhouse-server)');
  if (r.chdb) lines.push(...clickhouseReport('chdb (current release)', r.chdb));
  else if (r.chdbError) lines.push(`chdb: failed: ${r.chdbError}`);
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
    ...(process.env['BENCH_CHDB'] === '1' ? { chdb: true } : {}),
    ...(process.env['BENCH_MEMORY_LIMIT'] ? { memoryLimit: process.env['BENCH_MEMORY_LIMIT'] } : {}),
    log: (x) => console.log(x),
  });
  console.log(`\n${report(r)}`);
  if (r.clickhouseError || r.chdbError) process.exitCode = 1;
}
