/**
 * `warehouse.duckdbThreads` (TOUCHLINE_DUCKDB_THREADS) and `warehouse.duckdbMemoryLimit`
 * (TOUCHLINE_DUCKDB_MEMORY_LIMIT) reach the DuckDB instance the server opens: a collector on a
 * small machine can leave its cores and memory to the collector.
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

async function memoryLimitOf(env: Record<string, string>, file: string): Promise<string> {
  const config = resolveConfig({ dataDir: dir, warehouse: { duckdbPath: file } }, env, {});
  const w = await openWarehouse(config.warehouse, dir);
  try {
    return String((await w.query(`SELECT current_setting('memory_limit')`)).rows[0]![0]);
  } finally {
    await w.close();
  }
}

describe('warehouse.duckdbMemoryLimit', () => {
  it('bounds the DuckDB instance\'s memory, from the environment too', async () => {
    expect(await memoryLimitOf({ TOUCHLINE_DUCKDB_MEMORY_LIMIT: '300MB' }, 'm300.duckdb')).toBe('286.1 MiB');
    expect(await memoryLimitOf({ TOUCHLINE_DUCKDB_MEMORY_LIMIT: '1GiB' }, 'g1.duckdb')).toBe('1.0 GiB');
  });

  it('refuses anything that is not an amount of memory, naming the key (the value reaches a SET)', () => {
    for (const bad of ['lots', '1GB\' ; SET enable_external_access = true; --', '80%', '-1GB', '1 GB GB']) {
      expect(() => resolveConfig({ dataDir: dir }, { TOUCHLINE_DUCKDB_MEMORY_LIMIT: bad }, {}), bad).toThrow(/duckdbMemoryLimit/);
    }
  });
});
