/**
 * Dashboard bench: each page's reads over synthetic traffic (10M events by default, 180 days),
 * timed as p50 / p95 over several runs and as a ratio to one full-scan GROUP BY over the same
 * events in the same run (these machines are shared and noisy: the ratio is the figure). Target:
 * every page under 1 s on 10M events in DuckDB.
 *
 *   npm run bench -- dashboard
 *
 * Environment: BENCH_EVENTS (default 10000000), BENCH_RUNS (default 5), BENCH_DUCKDB (a file to
 * keep the generated warehouse in and to reuse on the next run: generating 10M events and building
 * the rollups takes minutes on a shared machine; a reused file keeps its rollups, so "built in" then
 * measures only the check that they are current), BENCH_PAGES (comma-separated words: only the
 * pages whose name holds one, e.g. `journey,overview`; the attribution pages that build their paths
 * take minutes a run; the `stored paths` ones compute and store theirs once, untimed, then read them).
 */
import { MODEL_NAMES } from '@touchline/attribution';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runAttribution, type AttributeResponse } from '../src/attribute/run-attribution.js';
import { createStoredPaths, type StoredPaths } from '../src/attribute/stored-paths.js';
import { resolveConfig } from '../src/config/config.js';
import { readJourney } from '../src/dashboard/journey.js';
import { readOverview } from '../src/dashboard/overview.js';
import { readQuality } from '../src/dashboard/quality.js';
import { createRollups } from '../src/dashboard/rollups.js';
import { createDerivedModel, type DerivedModel } from '../src/identity/derived-model.js';
import { openDuckDBWarehouse } from '../src/warehouse/duckdb/duckdb-warehouse.js';
import type { Warehouse } from '../src/warehouse/warehouse.js';
import { describeData, generateDuckDBData, type SyntheticData } from './support/attribution-data.js';

/** The baseline: one GROUP BY over every event (the attribution bench's). */
const SCAN = `SELECT count(*) AS visitors, sum(n) AS events FROM (SELECT anonymous_id, count(*) AS n, min("timestamp") AS f, max("timestamp") AS l FROM events GROUP BY anonymous_id)`;
/** The synthetic data's 180 days (attribution-data.ts): every page reads all of it, the worst case. */
const RANGE = { sinceMs: Date.parse('2026-01-01T00:00:00Z'), untilMs: Date.parse('2026-07-01T00:00:00Z') };

export interface PageFigure {
  readonly page: string;
  readonly p50Ms: number;
  readonly p95Ms: number;
  /** p50 / the scan's median. */
  readonly ratio: number;
}

export interface DashboardBenchResult {
  readonly data: SyntheticData;
  readonly scanMs: number;
  readonly pages: PageFigure[];
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)] ?? Number.NaN;

export async function runDashboardBench(options: { events?: number; runs?: number; log?: (s: string) => void; keep?: string; only?: readonly string[] } = {}): Promise<DashboardBenchResult> {
  const events = options.events ?? 10_000_000;
  const runs = options.runs ?? 5;
  const log = options.log ?? (() => undefined);
  const dir = await mkdtemp(join(tmpdir(), 'touchline-dashboard-bench-'));
  const config = resolveConfig({ dataDir: dir, tracker: { siteDomains: ['shop.test'] } }, {}, {});
  const file = options.keep ?? join(dir, 'bench.duckdb');
  const reuse = await access(file).then(() => true, () => false);
  const w = await openDuckDBWarehouse({ path: file });
  try {
    await w.migrate();
    const model = createDerivedModel(w, config);
    let data: SyntheticData;
    if (reuse) {
      log(`reusing the events in ${file}`);
      data = await describeData(w);
      await model.ensure();
    } else {
      log(`generating ${events.toLocaleString('en-US')} events in DuckDB…`);
      data = await generateDuckDBData(w, events);
      await model.ensure();
      await model.rebuildSessions();
    }
    const rollups = createRollups(w, model.sql);
    const storedPaths = createStoredPaths(w);
    const t0 = performance.now();
    await rollups.ensure();
    log(`rollups and the journey lookup built in ${Math.round(performance.now() - t0)} ms (once; each load then refreshes its days)`);
    const pages: Record<string, () => Promise<unknown>> = {
      overview: () => readOverview(w, model.sql, RANGE, true),
      'data quality': () => readQuality(w, RANGE),
      'journey (one person)': async () => {
        // A person not found answers at once: that would be no figure at all.
        if (!(await readJourney(w, model.sql, 'u12', rollups.enabled))) throw new Error('the bench person u12 has no journey');
      },
      'attribution: last touch': () => runAttribution(w, config, { models: ['last_touch'], level: 'channel' }),
      'attribution: every model (the page default)': () => runAttribution(w, config, { models: [...MODEL_NAMES], level: 'channel' }),
      'attribution, stored paths: last touch': () => runAttribution(w, config, { models: ['last_touch'], level: 'channel' }, { storedPaths }),
      'attribution, stored paths: every model': () => runAttribution(w, config, { models: [...MODEL_NAMES], level: 'channel' }, { storedPaths }),
      // Time decay alone reads every conversion's touch times (a million packed records here).
      'attribution, stored paths: every model but time decay': () =>
        runAttribution(w, config, { models: MODEL_NAMES.filter((m) => m !== 'time_decay'), level: 'channel' }, { storedPaths }),
    };
    for (const name of Object.keys(pages)) if (options.only && !options.only.some((w) => name.includes(w))) delete pages[name];
    await storePaths(pages, log);
    if (Object.keys(pages).some((n) => n.includes('stored paths'))) await timeIncrement(w, model, storedPaths, log);
    const times = new Map<string, number[]>(Object.keys(pages).map((k) => [k, []]));
    const scans: number[] = [];
    const time = async (fn: () => Promise<unknown>) => {
      const t = performance.now();
      await fn();
      return performance.now() - t;
    };
    // Interleaved, so a busy moment on the machine weighs on the baseline and the pages alike.
    for (let i = 0; i < runs; i++) {
      scans.push(await time(() => w.query(SCAN)));
      for (const [name, fn] of Object.entries(pages)) times.get(name)!.push(await time(fn));
    }
    const scanMs = quantile(scans, 0.5);
    const figures = [...times.entries()].map(([page, xs]) => ({ page, p50Ms: quantile(xs, 0.5), p95Ms: quantile(xs, 0.95), ratio: quantile(xs, 0.5) / scanMs }));
    log(report(data, scanMs, figures, runs));
    return { data, scanMs, pages: figures };
  } finally {
    await w.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The stored-paths pages' first view, untimed: it computes and stores the paths (as the first
 * view of a filter combination does on a server), so the timed runs are the views after it.
 */
async function storePaths(pages: Record<string, () => Promise<unknown>>, log: (s: string) => void): Promise<void> {
  for (const [name, fn] of Object.entries(pages)) {
    if (!name.includes('stored paths')) continue;
    const t = performance.now();
    const r = (await fn()) as AttributeResponse;
    log(`${name}: paths ${r.paths?.from === 'stored' ? 'already stored' : `computed and stored in ${Math.round(performance.now() - t)} ms`}`);
  }
}

/**
 * A load after the paths were stored, untimed (a thousand events of existing people again, received
 * now; the sessions rebuilt), then the stored combinations brought up to date: what the server's
 * ticks do after each load, instead of recomputing every combination whole.
 */
async function timeIncrement(w: Warehouse, model: DerivedModel, storedPaths: StoredPaths, log: (s: string) => void): Promise<void> {
  await w.query(`INSERT INTO events SELECT * REPLACE (message_id || '-again' AS message_id, now() AS received_at) FROM events USING SAMPLE 1000 ROWS`, { readOnly: false });
  await model.rebuildSessions();
  const t = performance.now();
  const n = await storedPaths.refreshStale();
  log(`a load of 1,000 events: ${n} stored combinations brought up to date in ${Math.round(performance.now() - t)} ms (only the persons it reaches)`);
}

function report(data: SyntheticData, scanMs: number, pages: PageFigure[], runs: number): string {
  const ms = (x: number) => `${Math.round(x).toLocaleString('en-US')} ms`.padStart(10);
  return [
    `data: ${data.events.toLocaleString('en-US')} events, ${data.conversions.toLocaleString('en-US')} conversions, ${data.people.toLocaleString('en-US')} people; ${runs} runs`,
    `${'full-scan GROUP BY (baseline)'.padEnd(46)} p50 ${ms(scanMs)}`,
    ...pages.map((p) => `${p.page.padEnd(46)} p50 ${ms(p.p50Ms)}  p95 ${ms(p.p95Ms)}  ${p.ratio.toFixed(2)}× the scan${p.p50Ms > 1000 ? '  (over 1 s)' : ''}`),
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const keep = process.env['BENCH_DUCKDB'];
  const only = process.env['BENCH_PAGES']?.split(',').map((w) => w.trim()).filter(Boolean);
  await runDashboardBench({ events: Number(process.env['BENCH_EVENTS'] ?? 10_000_000), runs: Number(process.env['BENCH_RUNS'] ?? 5), log: console.log, ...(keep ? { keep } : {}), ...(only ? { only } : {}) });
}
