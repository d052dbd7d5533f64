/**
 * DuckDB loader bench. The loader turns spooled rows into the typed staging table `_load` through
 * the appender, with no file access; the baseline, measured in the same run on the same rows, is
 * the way it did before: the rows written to an NDJSON file and read with `read_json` (on an
 * instance with file access). Then whole loads (staging, dedup, distribute, checkpoint, in
 * 10 000-row batches) through the warehouse, against the same loads staged the previous way and
 * distributed by the same SQL; and DuckDB's raw appender rate here (one VARCHAR per row), the
 * ceiling of any path that goes through the appender. Then the same whole loads with DuckDB on one
 * worker thread (warehouse.duckdbThreads = 1), as a ratio to its default (one per core).
 *
 * Environment: BENCH_ROWS (default 200000), BENCH_REPEAT (runs per figure, the median is shown; default 3).
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLoadTables, distribute, stageAndConvert, STAGE_ROWS } from '../src/warehouse/duckdb/duckdb-load.js';
import { DUCKDB_MIGRATIONS, duckType } from '../src/warehouse/duckdb/duckdb-schema.js';
import { openDuckDBWarehouse } from '../src/warehouse/duckdb/duckdb-warehouse.js';
import { SPOOL_COLUMNS } from '../src/warehouse/schema.js';
import { duckdbLiteral as duckString } from '../src/warehouse/dialect/duckdb-dialect.js';
import { batchOfRows } from '../src/warehouse/warehouse.js';
import { eventLine } from '../test/support/rows.js';

const ROWS = Number(process.env['BENCH_ROWS'] ?? 200_000);
const REPEAT = Number(process.env['BENCH_REPEAT'] ?? 3);
const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';

function spooledRows(n: number): string[] {
  return Array.from({ length: n }, (_, i) =>
    eventLine(
      {
        type: i % 5 === 0 ? 'page' : 'track',
        ...(i % 5 === 0 ? { name: 'Product' } : { event: i % 4 === 0 ? 'Order Completed' : 'Product Viewed' }),
        messageId: `m-${i}`,
        anonymousId: `anon-${i % 5000}`,
        ...(i % 3 === 0 ? { userId: `user-${i % 1000}` } : {}),
        properties: { sku: `sku-${i % 200}`, price: (i % 90) + 9.99, currency: 'EUR' },
        context: {
          page: { url: `https://www.shop.test/p/${i % 200}?utm_source=google&utm_medium=cpc&utm_campaign=spring&gclid=Cj0KCQiA${i % 997}`, referrer: 'https://www.google.com/', title: 'Product' },
          library: { name: 'bench', version: '1' },
        },
        timestamp: new Date(Date.UTC(2026, 2, 1) + i * 1000).toISOString(),
      },
      { userAgent: UA },
    ),
  );
}

async function seconds(fn: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await fn();
  return (performance.now() - started) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The previous conversion: NDJSON file, then read_json with the spool's column types, into `table`. */
async function viaReadJson(conn: DuckDBConnection, rows: readonly string[], dir: string, table = '_old'): Promise<void> {
  const file = join(dir, 'batch.ndjson');
  await writeFile(file, rows.join('\n') + '\n');
  const columns = `{${SPOOL_COLUMNS.map((c) => `${duckString(c.name)}: ${duckString(duckType(c))}`).join(', ')}}`;
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE ${table} AS SELECT *, row_number() OVER () AS _n FROM read_json(${duckString(file)}, format = 'newline_delimited', ` +
      `columns = ${columns}, maximum_object_size = 67108864)`,
  );
}

/** Whole loads the previous way: each batch read with read_json, then the loader's own distribution. */
async function wholeLoadsBefore(dir: string, rows: readonly string[], run: number): Promise<number> {
  const duck = await DuckDBInstance.create(join(dir, `before-${run}.duckdb`));
  const conn = await duck.connect();
  try {
    await conn.run(`SET TimeZone = 'UTC'`);
    await conn.run(`SET checkpoint_threshold = '128MB'`);
    for (const m of DUCKDB_MIGRATIONS) for (const s of m.statements) await conn.run(s);
    const batch = 10_000;
    return await seconds(async () => {
      for (let i = 0, seq = 1; i < rows.length; i += batch, seq++) {
        const part = rows.slice(i, i + batch);
        await viaReadJson(conn, part, dir, '_load');
        await conn.run('CREATE OR REPLACE TEMP TABLE _unloadable (line VARCHAR, reason VARCHAR)');
        const r = await distribute(conn, batchOfRows(part, { collectorId: 'bench', lastSeq: seq, dedupWindowMs: 86_400_000 }));
        if (r.events !== part.length) throw new Error(`batch ${seq} did not load whole: ${JSON.stringify(r)}`);
      }
    });
  } finally {
    conn.closeSync();
    duck.closeSync();
  }
}

async function viaAppender(conn: DuckDBConnection, rows: readonly string[]): Promise<void> {
  await createLoadTables(conn);
  for (let i = 0; i < rows.length; i += STAGE_ROWS) await stageAndConvert(conn, rows.slice(i, i + STAGE_ROWS), i + 1);
}

async function rawAppender(conn: DuckDBConnection, rows: readonly string[]): Promise<void> {
  await conn.run('CREATE OR REPLACE TEMP TABLE _raw (line VARCHAR)');
  const a = await conn.createAppender('_raw', 'main', 'temp');
  for (const line of rows) {
    a.appendVarchar(line);
    a.endRow();
  }
  a.flushSync();
  a.closeSync();
}

/** `threads`: DuckDB's worker threads (warehouse.duckdbThreads); its default is one per core. */
async function wholeLoads(dir: string, rows: readonly string[], run: number, threads?: number): Promise<number> {
  const w = await openDuckDBWarehouse({ path: join(dir, `load-${run}-${threads ?? 'default'}.duckdb`), ...(threads === undefined ? {} : { threads }) });
  try {
    await w.migrate();
    const batch = 10_000;
    return await seconds(async () => {
      for (let i = 0, seq = 1; i < rows.length; i += batch, seq++) {
        const r = await w.load(batchOfRows(rows.slice(i, i + batch), { collectorId: 'bench', lastSeq: seq, dedupWindowMs: 86_400_000 }));
        if (r.events + r.duplicates !== Math.min(batch, rows.length - i) || r.unloadable > 0) throw new Error(`batch ${seq} did not load whole: ${JSON.stringify(r)}`);
      }
    });
  } finally {
    await w.close();
  }
}

const dir = await mkdtemp(join(tmpdir(), 'touchline-bench-load-'));
try {
  const rows = spooledRows(ROWS);
  const mb = rows.reduce((s, r) => s + Buffer.byteLength(r), 0) / 1024 ** 2;
  console.log(`duckdb-load bench: ${ROWS} spooled rows (${mb.toFixed(0)} MB of JSON), median of ${REPEAT} runs`);
  const duck = await DuckDBInstance.create(':memory:');
  const conn = await duck.connect();
  await conn.run(`SET TimeZone = 'UTC'`);
  const old: number[] = [];
  const now: number[] = [];
  const raw: number[] = [];
  const whole: number[] = [];
  const wholeBefore: number[] = [];
  const wholeOneThread: number[] = [];
  for (let run = 0; run < REPEAT; run++) {
    // Interleaved, so that a noisy neighbour slows each path alike.
    old.push(await seconds(() => viaReadJson(conn, rows, dir)));
    now.push(await seconds(() => viaAppender(conn, rows)));
    raw.push(await seconds(() => rawAppender(conn, rows)));
    wholeBefore.push(await wholeLoadsBefore(dir, rows, run));
    whole.push(await wholeLoads(dir, rows, run));
    wholeOneThread.push(await wholeLoads(dir, rows, run, 1));
  }
  const n = Number((await conn.runAndReadAll('SELECT (SELECT count(*) FROM _old) = (SELECT count(*) FROM _load)')).getRows()[0]?.[0]);
  if (!n) throw new Error('the two conversions did not produce the same number of rows');
  conn.closeSync();
  duck.closeSync();
  const rate = (s: number) => Math.round(ROWS / s).toLocaleString('en-US');
  const table = [
    ['staging: NDJSON file + read_json (before; baseline)', rate(median(old)), '1.00'],
    ['staging: appender + DuckDB JSON conversion (now)', rate(median(now)), (median(old) / median(now)).toFixed(2)],
    ['raw appender, one VARCHAR per row (ceiling)', rate(median(raw)), (median(old) / median(raw)).toFixed(2)],
    ['whole loads, 10k-row batches, staged before (baseline)', rate(median(wholeBefore)), '1.00'],
    ['whole loads, 10k-row batches, through the warehouse (now)', rate(median(whole)), (median(wholeBefore) / median(whole)).toFixed(2)],
    ['whole loads as above, DuckDB threads = 1 (ratio to the line above)', rate(median(wholeOneThread)), (median(whole) / median(wholeOneThread)).toFixed(2)],
  ];
  const head = ['path', 'rows/s', 'ratio to baseline'];
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  for (const r of [head, ...table]) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
  const spread = (xs: number[]) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)} s`;
  console.log(`spread: staging before ${spread(old)}, now ${spread(now)}; whole loads before ${spread(wholeBefore)}, now ${spread(whole)}, one thread ${spread(wholeOneThread)}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
