/**
 * The ClickHouse loader alone: sealed spool segments -> `warehouse.load()` into a real
 * clickhouse-server (the one the tests use, started here on free ports), once per way of reading
 * and sending the events — the earlier reader (JSON.parse for every spooled line, RowBinary,
 * 100 000 rows per INSERT) first as the baseline, then the event-line scanner, other INSERT sizes,
 * TabSeparated and gzip — each into its own fresh database, printed as rows/s and as a ratio to
 * the baseline of the same round. (An earlier run of this bench compared the formats: RowBinary
 * halves the server's work against TabSeparated; JSONEachRow is the slowest for the server; the
 * client cannot insert Native.)
 *
 * Where the time goes, per variant: the same `loadBatch` run against a port that sends nothing
 * gives the JS part (parse, dedup bookkeeping, encoding the body) and keeps the bodies; sending
 * those bodies alone into a fresh database gives the server's part (HTTP, parsing, writing parts).
 *
 *   npm run bench -- clickhouse-load
 *
 * Options (environment): BENCH_EVENTS (default 100000), BENCH_ROUNDS (default 1; with more, the
 * variants run in a rotated order each round and the median is shown), TOUCHLINE_BENCH_CLICKHOUSE_URL.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { clickhouseQuoteIdent } from '../src/warehouse/dialect/clickhouse-quoting.js';
import { BulkFormat, LineReader, type BulkInsertOptions, type EncodedRows } from '../src/warehouse/clickhouse/clickhouse-bulk.js';
import { newClickHouseClient } from '../src/warehouse/clickhouse/clickhouse-client.js';
import { STORE } from '../src/warehouse/clickhouse/clickhouse-schema.js';
import type { TimestampFlavor } from '../src/warehouse/clickhouse/clickhouse-features.js';
import { loadBatch } from '../src/warehouse/clickhouse/clickhouse-load.js';
import { openClickHouseWarehouse } from '../src/warehouse/clickhouse/clickhouse-warehouse.js';
import { startClickHouseServer } from '../test/support/clickhouse-server.js';
import { fromSegments } from '../test/support/rows.js';
import { writeSegments } from './support/spooled-events.js';

interface Variant {
  readonly name: string;
  readonly bulk: Required<BulkInsertOptions>;
}

const VARIANTS: readonly Variant[] = [
  { name: 'RowBinary 100k, JSON.parse (earlier)', bulk: { format: BulkFormat.RowBinary, compress: false, rows: 100_000, lines: LineReader.Json } },
  { name: 'RowBinary 100k, line scanner', bulk: { format: BulkFormat.RowBinary, compress: false, rows: 100_000, lines: LineReader.Scan } },
  { name: 'RowBinary 50k, line scanner', bulk: { format: BulkFormat.RowBinary, compress: false, rows: 50_000, lines: LineReader.Scan } },
  { name: 'RowBinary 50k, JSON.parse', bulk: { format: BulkFormat.RowBinary, compress: false, rows: 50_000, lines: LineReader.Json } },
  { name: 'TabSeparated 100k, line scanner', bulk: { format: BulkFormat.TabSeparated, compress: false, rows: 100_000, lines: LineReader.Scan } },
  { name: 'RowBinary 100k gzip, line scanner', bulk: { format: BulkFormat.RowBinary, compress: true, rows: 100_000, lines: LineReader.Scan } },
];

export interface LoadFigure {
  readonly variant: string;
  /** Median rows/s over the rounds, and the rounds' range. */
  readonly rowsPerSecond: number;
  readonly range: readonly [number, number];
  /** Median of this variant's rows/s divided by the baseline's, per round. */
  readonly ratio: number;
  /** Seconds of JS work (parse, dedup bookkeeping, encoding) per load, sending nothing (median of the rounds). */
  readonly jsSeconds: number;
  /** Seconds to send the encoded event bodies alone and have the server store them. */
  readonly serverSeconds: number;
  readonly loadSeconds: number;
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const DAY_MS = 24 * 3600_000;

/** One load of the segments into a fresh database; seconds. */
async function timeLoad(url: string, database: string, bulk: BulkInsertOptions, files: readonly string[]): Promise<number> {
  const w = await openClickHouseWarehouse({ url, database, bulkInsert: bulk });
  try {
    await w.migrate();
    const started = performance.now();
    const r = await w.load({ collectorId: 'bench', ...fromSegments(files), lastSeq: files.length, dedupWindowMs: DAY_MS });
    const seconds = (performance.now() - started) / 1000;
    if (r.unloadable > 0 || r.failed > 0) throw new Error(`${database}: ${r.unloadable} unloadable, ${r.failed} failed rows`);
    return seconds;
  } finally {
    await w.close();
  }
}

/** The loader's own work for these segments, with a port that sends nothing; seconds, and the event bodies. */
async function timeJs(flavor: TimestampFlavor, bulk: Required<BulkInsertOptions>, files: readonly string[]): Promise<{ seconds: number; bodies: EncodedRows[] }> {
  const bodies: EncodedRows[] = [];
  const started = performance.now();
  await loadBatch(
    {
      flavor,
      bulk: { format: bulk.format, rows: bulk.rows, lines: bulk.lines },
      insert: async () => {},
      insertEncoded: async (_table, rows) => void bodies.push(rows),
      loadedIds: async () => new Set(),
      checkpoint: async () => {},
    },
    { collectorId: 'bench', ...fromSegments(files), lastSeq: files.length, dedupWindowMs: DAY_MS },
  );
  return { seconds: (performance.now() - started) / 1000, bodies };
}

/** The event bodies alone sent into a fresh database, as the warehouse sends them; seconds. */
async function timeServer(url: string, database: string, bulk: Required<BulkInsertOptions>, bodies: readonly EncodedRows[]): Promise<number> {
  const w = await openClickHouseWarehouse({ url, database });
  await w.migrate();
  await w.close();
  const client = newClickHouseClient({ url }, database, { compressRequest: bulk.compress });
  try {
    const started = performance.now();
    for (const b of bodies) {
      const r = await client.exec({
        query: `INSERT INTO ${STORE.events} (${b.columns.map(clickhouseQuoteIdent).join(', ')}) FORMAT ${b.format}`,
        values: Readable.from(b.chunks, { objectMode: false }),
      });
      r.stream.resume();
      await finished(r.stream);
    }
    return (performance.now() - started) / 1000;
  } finally {
    await client.close();
  }
}

export async function runClickHouseLoadBench(options: { events?: number; rounds?: number; clickhouseUrl?: string } = {}): Promise<LoadFigure[]> {
  const events = options.events ?? 100_000;
  const rounds = Math.max(1, options.rounds ?? 1);
  const server = options.clickhouseUrl ? null : await startClickHouseServer();
  const dir = await mkdtemp(join(tmpdir(), 'touchline-bench-'));
  try {
    const url = options.clickhouseUrl ?? server!.url;
    const files = await writeSegments(dir, events);
    const probe = await openClickHouseWarehouse({ url, database: `touchline_load_probe_${Date.now()}` });
    const flavor = probe.features.timestamps;
    await probe.close();
    const seconds = VARIANTS.map(() => [] as number[]);
    const js = VARIANTS.map(() => [] as number[]);
    const bodies: EncodedRows[][] = [];
    for (let round = 0; round < rounds; round++) {
      // The baseline runs first in every round (its ratio is per round); the others rotate.
      const order = [0, ...VARIANTS.slice(1).map((_, i) => 1 + ((i + round) % (VARIANTS.length - 1)))];
      for (const v of order) {
        seconds[v]!.push(await timeLoad(url, `touchline_load_${Date.now()}_${v}`, VARIANTS[v]!.bulk, files));
        const j = await timeJs(flavor, VARIANTS[v]!.bulk, files);
        js[v]!.push(j.seconds);
        bodies[v] = j.bodies;
      }
    }
    const sent: number[] = [];
    for (const [i, v] of VARIANTS.entries()) sent.push(await timeServer(url, `touchline_send_${Date.now()}_${i}`, v.bulk, bodies[i]!));
    return VARIANTS.map((v, i) => {
      const rates = seconds[i]!.map((s) => events / s);
      return {
        variant: v.name,
        rowsPerSecond: Math.round(median(rates)),
        range: [Math.round(Math.min(...rates)), Math.round(Math.max(...rates))] as const,
        ratio: median(seconds[i]!.map((s, r) => seconds[0]![r]! / s)),
        jsSeconds: median(js[i]!),
        serverSeconds: sent[i]!,
        loadSeconds: median(seconds[i]!),
      };
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
    await server?.dispose();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const env = process.env;
  const events = Number(env['BENCH_EVENTS'] ?? 100_000);
  const figures = await runClickHouseLoadBench({
    events,
    rounds: Number(env['BENCH_ROUNDS'] ?? 1),
    ...(env['TOUCHLINE_BENCH_CLICKHOUSE_URL'] ? { clickhouseUrl: env['TOUCHLINE_BENCH_CLICKHOUSE_URL'] } : {}),
  });
  console.log(`ClickHouse loader alone, ${events} spooled events per load (sealed segments -> events_store):`);
  for (const f of figures) {
    console.log(
      `${f.variant.padEnd(34)} ${String(f.rowsPerSecond).padStart(7)} rows/s (${f.range[0]}–${f.range[1]})  ` +
        `${f.ratio.toFixed(2)}x the earlier path  load ${f.loadSeconds.toFixed(2)} s: ` +
        `JS alone ${f.jsSeconds.toFixed(2)} s (${(figures[0]!.jsSeconds / f.jsSeconds).toFixed(2)}x), bodies alone to the server ${f.serverSeconds.toFixed(2)} s`,
    );
  }
}
