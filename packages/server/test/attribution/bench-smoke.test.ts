/**
 * A small run of the attribution bench (`npm run bench -- attribution` runs 10 million events):
 * the bench keeps working, and on its synthetic traffic both engines credit the same.
 */
import { parsePathLine } from '@touchline/attribution';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PASSES, runAttributePathsBench } from '../../bench/attribute-paths.js';
import { runAttributionBench } from '../../bench/attribution.js';
import { writePathsFile } from '../../bench/support/paths-file.js';
import { clickhouseSkipReason } from '../support/clickhouse-server.js';

describe('attribution bench, small', () => {
  it('times every model against the scan on DuckDB and, with a server binary, ClickHouse with the same credits', async () => {
    const withClickHouse = clickhouseSkipReason() === null;
    const r = await runAttributionBench({ events: 20_000, runs: 1, clickhouse: withClickHouse });
    expect(r.data.events).toBe(20_000);
    // One session in four events, its last a track that is `Order Completed` in 40% of sessions.
    expect(r.data.conversions).toBeGreaterThanOrEqual(0.35 * 5000);
    expect(r.data.conversions).toBeLessThanOrEqual(0.45 * 5000);
    expect(r.duckdb.scanMs).toBeGreaterThan(0);
    expect(r.duckdb.ratio).toBeGreaterThan(0);
    expect(Number.isFinite(r.duckdb.ratio)).toBe(true);
    // One run: its spread is its own ratio, under the limit the bench states.
    expect(r.duckdb.ratioSpread[0]).toBeLessThanOrEqual(r.duckdb.ratio);
    expect(r.duckdb.ratioSpread[1]).toBeGreaterThanOrEqual(r.duckdb.ratio);
    expect(r.duckdb.memoryLimit).toBe('2GB');
    expect(r.clickhouseError).toBeUndefined();
    if (withClickHouse) {
      expect(r.clickhouse?.sameCredits, `worst relative difference ${r.clickhouse?.maxCreditDifference}`).toBe(true);
    }
  }, 180_000);
});

describe('attribute --paths bench, small', () => {
  it('writes the distinct paths it promises, and runs every pass through the CLI command', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'touchline-paths-smoke-'));
    try {
      const file = join(dir, 'paths.ndjson');
      const shape = await writePathsFile(file, 2000);
      const lines = (await readFile(file, 'utf8')).trim().split('\n');
      expect(lines).toHaveLength(2000);
      const parsed = lines.map((l, i) => parsePathLine(l, i + 1));
      expect(parsed.filter((p) => !p.ok)).toEqual([]);
      const paths = parsed.map((p) => (p.ok ? p.path : null));
      expect(new Set(paths.map((p) => JSON.stringify(p?.path))).size).toBe(2000);
      expect(paths.every((p) => p?.times?.length === p?.path.length && p?.milestones?.close === (p?.path.length ?? 0) - 1)).toBe(true);
      expect(shape.touches).toBe(paths.reduce((s, p) => s + (p?.path.length ?? 0), 0));
      expect(shape.levelValues).toBe(361);
      const channels = await writePathsFile(file, 500, 'channel');
      expect(channels.levelValues).toBe(18);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const r = await runAttributePathsBench({ paths: 3000, rounds: 1, inProcess: true });
    expect(Object.keys(r.times)).toEqual([...PASSES]);
    for (const pass of PASSES) expect(r.times[pass]).toHaveLength(1);
    expect(r.ratios.parse).toEqual({ cpuMedian: 1, cpuMin: 1, wallMedian: 1, wallMin: 1, cpuRounds: 1 });
  }, 120_000);
});
