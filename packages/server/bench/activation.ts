/**
 * Activation bench (`npm run bench`):
 *
 * 1. Send rate: a sync to the HubSpot stand-in, which enforces a rolling request limit and
 *    answers 429 beyond it, with the account's limit in the config. Reports the achieved request
 *    rate as a ratio of the allowed rate (target >= 0.9) and the 429s (target: none sustained).
 * 2. Diff: a 1,000,000-row sync already delivered (adopted with --baseline), 1% of rows changed;
 *    the time to stage the source with its hashes and diff it against the state (a dry run), on
 *    DuckDB, and on ClickHouse when a clickhouse-server binary is installed.
 *
 * Options (environment): BENCH_ROWS (default 1000000), BENCH_RATE_REQUESTS (20), BENCH_RATE_WINDOW_MS
 * (1000), BENCH_RATE_SECONDS (12).
 */
import { startHubspotStandIn } from '@touchline/destinations/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRateGates } from '../src/activation/engine/rate-gate.js';
import { createSyncEngine } from '../src/activation/engine/sync-engine.js';
import { systemClock } from '../src/clock/clock.js';
import { resolveConfig } from '../src/config/config.js';
import { openClickHouseWarehouse } from '../src/warehouse/clickhouse/clickhouse-warehouse.js';
import { openDuckDBWarehouse } from '../src/warehouse/duckdb/duckdb-warehouse.js';
import type { Warehouse } from '../src/warehouse/warehouse.js';
import { findClickHouseServer, startClickHouseServer } from '../test/support/clickhouse-server.js';

const env = (k: string, d: number) => (process.env[k] ? Number(process.env[k]) : d);
const ROWS = env('BENCH_ROWS', 1_000_000);

const activation = (raw: Record<string, unknown>) => {
  const c = resolveConfig(raw, {}, {});
  return { destinations: c.destinations, syncs: c.syncs, forwarding: c.forwarding };
};

export interface RateFigure {
  readonly allowedPerSecond: number;
  readonly achievedPerSecond: number;
  readonly ratio: number;
  readonly requests: number;
  readonly answered429: number;
  readonly rows: number;
}

async function rateBench(): Promise<RateFigure> {
  const limit = { requests: env('BENCH_RATE_REQUESTS', 20), windowMs: env('BENCH_RATE_WINDOW_MS', 1000) };
  const seconds = env('BENCH_RATE_SECONDS', 12);
  const requests = Math.ceil((limit.requests * seconds * 1000) / limit.windowMs);
  const rows = requests * 100;
  const hubspot = await startHubspotStandIn({ rateLimit: limit });
  const dir = await mkdtemp(join(tmpdir(), 'touchline-bench-rate-'));
  const w = await openDuckDBWarehouse({ path: join(dir, 'w.duckdb') });
  try {
    await w.migrate();
    await w.query(`CREATE TABLE seats AS SELECT 'seat' || i || '@example.com' AS email, i % 50 AS uses FROM range(${rows}) r(i)`, { readOnly: false });
    const config = activation({
      destinations: { hs: { type: 'hubspot', config: { endpoint: hubspot.url, accessToken: 'test-token', properties: { uses: 'feature_x_uses' } }, rateLimit: limit } },
      syncs: { seats: { destination: 'hs', source: { sql: 'SELECT email, uses FROM seats' }, primaryKey: 'email', mode: 'upsert', concurrency: 4 } },
    });
    const engine = createSyncEngine({ config, warehouse: w, fetch: globalThis.fetch, clock: systemClock, gates: createRateGates(systemClock) });
    const run = await engine.run('seats');
    await engine.close();
    if (run.status !== 'succeeded') throw new Error(`rate bench run ${run.status}: ${run.error}`);
    const ok = hubspot.requests.filter((r) => r.status === 200);
    // The sustained rate: from the last request of the first window's burst to the last request,
    // both the last of their window, so the spread of sends within a window cancels out.
    const from = ok[limit.requests - 1]!.at;
    const last = ok[ok.length - 1]!.at;
    const achieved = ((ok.length - limit.requests) * 1000) / Math.max(1, last - from);
    const allowed = (limit.requests * 1000) / limit.windowMs;
    return {
      allowedPerSecond: allowed,
      achievedPerSecond: round(achieved),
      ratio: round(achieved / allowed),
      requests: hubspot.requests.length,
      answered429: hubspot.requests.filter((r) => r.status === 429).length,
      rows,
    };
  } finally {
    await w.close();
    await hubspot.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export interface DiffFigure {
  readonly engine: string;
  readonly rows: number;
  readonly changed: number;
  readonly baselineSeconds: number;
  readonly diffSeconds: number;
  readonly rowsPerSecond: number;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

async function diffBench(engine: string, warehouse: Warehouse, sourceTable: string, changeSql: string): Promise<DiffFigure> {
  const config = activation({
    destinations: { hs: { type: 'hubspot', config: { accessToken: 'unused', properties: { uses: 'feature_x_uses', plan: 'plan_tier' } } } },
    syncs: {
      big: {
        destination: 'hs',
        source: { sql: `SELECT id, email, uses, plan, updated_at FROM ${sourceTable}` },
        primaryKey: 'id',
        mapping: { email: 'email', uses: 'uses', plan: 'plan', updated_at: 'updated_at' },
        mode: 'upsert',
      },
    },
  });
  const e = createSyncEngine({ config, warehouse, fetch: globalThis.fetch, clock: systemClock, gates: createRateGates(systemClock) });
  let t = performance.now();
  const base = await e.run('big', { baseline: true });
  const baselineSeconds = (performance.now() - t) / 1000;
  if (base.status !== 'succeeded') throw new Error(`baseline ${base.status}: ${base.error}`);
  await warehouse.query(changeSql, { readOnly: false });
  t = performance.now();
  const dry = await e.dryRun('big', { limit: 10 });
  const diffSeconds = (performance.now() - t) / 1000;
  await e.close();
  return {
    engine,
    rows: ROWS,
    changed: dry.counts.add + dry.counts.change + dry.counts.remove,
    baselineSeconds: round(baselineSeconds),
    diffSeconds: round(diffSeconds),
    rowsPerSecond: Math.round(ROWS / diffSeconds),
  };
}

async function duckdbDiff(): Promise<DiffFigure> {
  const dir = await mkdtemp(join(tmpdir(), 'touchline-bench-diff-'));
  const w = await openDuckDBWarehouse({ path: join(dir, 'w.duckdb') });
  try {
    await w.migrate();
    await w.query(
      `CREATE TABLE big AS SELECT 'id-' || i AS id, 'user' || i || '@example.com' AS email, i % 97 AS uses,
         CASE WHEN i % 3 = 0 THEN 'pro' ELSE 'free' END AS plan, TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(i) AS updated_at
       FROM range(${ROWS}) r(i)`,
      { readOnly: false },
    );
    return await diffBench('duckdb', w, 'big', `UPDATE big SET uses = uses + 1000 WHERE hash(id) % 100 = 0`);
  } finally {
    await w.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function clickhouseDiff(): Promise<DiffFigure | null> {
  if (!findClickHouseServer()) return null;
  const server = await startClickHouseServer();
  const w = await openClickHouseWarehouse({ url: server.url, database: 'bench' });
  try {
    await w.migrate();
    await w.query(
      `CREATE TABLE big ENGINE = MergeTree ORDER BY id AS SELECT concat('id-', toString(number)) AS id, concat('user', toString(number), '@example.com') AS email,
         number % 97 AS uses, if(number % 3 = 0, 'pro', 'free') AS plan, toDateTime(1767225600 + number) AS updated_at FROM system.numbers LIMIT ${ROWS}`,
      { readOnly: false },
    );
    await w.query(
      `CREATE TABLE big2 ENGINE = MergeTree ORDER BY id AS SELECT id, email, if(cityHash64(id) % 100 = 0, uses + 1000, uses) AS uses, plan, updated_at FROM big`,
      { readOnly: false },
    );
    // ClickHouse 18.16 updates nothing in place: the changed source is a second table, swapped in.
    return await diffBench('clickhouse', w, 'big', `RENAME TABLE big TO big_old, big2 TO big`);
  } finally {
    await w.close();
    await server.dispose();
  }
}

export async function runActivationBench() {
  const rate = await rateBench();
  console.log(
    `send rate: ${rate.achievedPerSecond} requests/s of ${rate.allowedPerSecond} allowed = ratio ${rate.ratio} ` +
      `(${rate.requests} requests, ${rate.rows} rows, ${rate.answered429} answered 429)`,
  );
  const diffs = [await duckdbDiff()];
  const ch = await clickhouseDiff().catch((err: unknown) => {
    console.log(`clickhouse diff skipped: ${err instanceof Error ? err.message : String(err)}`);
    return null;
  });
  if (ch) diffs.push(ch);
  for (const d of diffs) {
    console.log(
      `diff (${d.engine}): ${d.rows} rows, ${d.changed} changed: staged and diffed in ${d.diffSeconds}s ` +
        `(${d.rowsPerSecond} rows/s); adopting all rows as delivered (--baseline) took ${d.baselineSeconds}s`,
    );
  }
  return { rate, diffs };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const result = await runActivationBench();
  console.log(JSON.stringify(result, null, 2));
}
