/**
 * A small run of the attribution bench (`npm run bench -- attribution` runs 10 million events):
 * the bench keeps working, and on its synthetic traffic both engines credit the same.
 */
import { describe, expect, it } from 'vitest';
import { runAttributionBench } from '../../bench/attribution.js';
import { clickhouseSkipReason } from '../support/clickhouse-server.js';

describe('attribution bench, small', () => {
  it('times every model against the scan on DuckDB and, with a server binary, ClickHouse with the same credits', async () => {
    const withClickHouse = clickhouseSkipReason() === null;
    const r = await runAttributionBench({ events: 20_000, runs: 1, clickhouse: withClickHouse });
    expect(r.data.events).toBe(20_000);
    expect(r.data.conversions).toBeGreaterThan(0);
    expect(r.duckdb.scanMs).toBeGreaterThan(0);
    expect(r.duckdb.ratio).toBeGreaterThan(0);
    expect(Number.isFinite(r.duckdb.ratio)).toBe(true);
    expect(r.clickhouseError).toBeUndefined();
    if (withClickHouse) {
      expect(r.clickhouse?.sameCredits, `worst relative difference ${r.clickhouse?.maxCreditDifference}`).toBe(true);
    }
  }, 180_000);
});
