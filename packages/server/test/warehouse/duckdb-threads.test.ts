/**
 * `warehouse.duckdbThreads` (TOUCHLINE_DUCKDB_THREADS) reaches the DuckDB instance the server
 * opens: a collector on a small machine can leave its cores to the collector.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/config.js';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'touchline-threads-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function threadsOf(env: Record<string, string>, file: string): Promise<number> {
  const config = resolveConfig({ dataDir: dir, warehouse: { duckdbPath: file } }, env, {});
  const w = await openWarehouse(config.warehouse, dir);
  try {
    const r = await w.query(`SELECT current_setting('threads')`);
    return Number(r.rows[0]![0]);
  } finally {
    await w.close();
  }
}

describe('warehouse.duckdbThreads', () => {
  it('sets the threads of the DuckDB instance, from the environment too', async () => {
    expect(await threadsOf({ TOUCHLINE_DUCKDB_THREADS: '1' }, 'one.duckdb')).toBe(1);
    expect(await threadsOf({ TOUCHLINE_DUCKDB_THREADS: '3' }, 'three.duckdb')).toBe(3);
  });

  it('refuses a count that is not a positive whole number, naming the key', () => {
    expect(() => resolveConfig({ dataDir: dir }, { TOUCHLINE_DUCKDB_THREADS: '0' }, {})).toThrow(/duckdbThreads/);
    expect(() => resolveConfig({ dataDir: dir }, { TOUCHLINE_DUCKDB_THREADS: '1.5' }, {})).toThrow(/duckdbThreads/);
  });
});
