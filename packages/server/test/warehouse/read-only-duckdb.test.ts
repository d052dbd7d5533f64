import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDBWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import { QueryRefusedError, WarehouseError, batchOfRows, type Warehouse } from '../../src/warehouse/warehouse.js';
import { eventLine } from '../support/rows.js';
import { attacks } from './read-only-attacks.js';
import { describeReadOnlyConformance } from './read-only-conformance.js';

describeReadOnlyConformance('duckdb', async (dataDir) => {
  const path = join(dataDir, 'warehouse.duckdb');
  const warehouse = await openDuckDBWarehouse({ path });
  return {
    warehouse,
    dialect: 'duckdb',
    // DuckDB itself always lets statements reach these: its file, its WAL, its temp directory.
    ownFiles: [path, `${path}.wal`, join(`${path}.tmp`, 'x')],
    ownMarkers: [],
    dispose: () => warehouse.close(),
  };
});

describe('duckdb: the whole instance is locked, not only the analyst path', () => {
  let dir: string;
  let w: Warehouse;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'touchline-duck-lock-'));
    w = await openDuckDBWarehouse({ path: join(dir, 'w.duckdb') });
    await w.migrate();
  });
  afterAll(async () => {
    await w.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses file access, extensions and settings even on Touchline's own write path", async () => {
    const canary = join(dir, 'canary.csv');
    for (const [sql, reason] of [
      [`COPY (SELECT 42) TO '${canary}'`, /file system operations are disabled/],
      [`SELECT * FROM read_text('/etc/passwd')`, /file system operations are disabled/],
      [`ATTACH '${join(dir, 'other.duckdb')}' AS other`, /file system operations are disabled/],
      ['INSTALL httpfs', /disabled|Permission/],
      ['LOAD httpfs', /disabled/],
      ['SET enable_external_access = true', /locked/],
      ['SET GLOBAL lock_configuration = false', /locked/],
      ["SET memory_limit = '10GB'", /locked/],
    ] as const) {
      await expect(w.query(sql, { readOnly: false }), sql).rejects.toThrow(reason);
    }
    expect(existsSync(canary)).toBe(false);
  });

  it('refuses a per-connection or a locked setting at open, naming it', async () => {
    await expect(openDuckDBWarehouse({ path: ':memory:', settings: { streaming_buffer_size: '1KB' } })).rejects.toThrow(
      /DuckDB setting "streaming_buffer_size".*cannot be set globally/,
    );
    await expect(openDuckDBWarehouse({ path: ':memory:', settings: { enable_external_access: 'true' } })).rejects.toThrow(
      /"enable_external_access" is fixed by Touchline/,
    );
    await expect(openDuckDBWarehouse({ path: ':memory:', settings: { "x'; DROP": '1' } })).rejects.toThrow(/not a setting name/);
  });

  it('answers a refused statement with the reason, not with what DuckDB would have done', async () => {
    await expect(w.query('EXPLAIN ANALYZE DELETE FROM sources')).rejects.toThrow(/EXPLAIN of DELETE is not one/);
    await expect(w.query("SELECT * FROM read_text('x')")).rejects.toThrow(/read_text\(\) is not available here/);
    await expect(w.query("SELECT * FROM 'x.csv'")).rejects.toThrow(/"x.csv" looks like a file/);
    // Without an IN list, PIVOT first creates an enum type: two statements, one of them a write.
    await expect(w.query('PIVOT events ON type')).rejects.toBeInstanceOf(QueryRefusedError);
    await expect(w.query('SELECT 1; SELECT 2')).rejects.toThrow(/one statement at a time \(got 2\)/);
    await expect(w.query('EXPLAIN')).rejects.toBeInstanceOf(QueryRefusedError);
  });
});

describe('duckdb: spilling to temp_directory works with file access off', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'touchline-duck-spill-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // A sort and a join of ~90 MB of text under a 48 MB memory limit: they only finish by spilling.
  const BIG = `CREATE TABLE big AS SELECT range AS i, md5(range::VARCHAR) || md5((range * 7)::VARCHAR) AS s FROM range(1000000)`;
  const SORT = 'SELECT count(*) AS n, max(x.s) AS top FROM (SELECT s, i FROM big ORDER BY s) x';
  const JOIN = 'SELECT count(*) AS n FROM big a JOIN big b ON a.s = b.s';

  async function withLimit<T>(name: string, tempDirectory: string, fn: (w: Warehouse) => Promise<T>): Promise<T> {
    const w = await openDuckDBWarehouse({ path: join(dir, `${name}.duckdb`), threads: 2, settings: { memory_limit: '48MB', temp_directory: tempDirectory } });
    try {
      await w.query(BIG, { readOnly: false });
      return await fn(w);
    } finally {
      await w.close();
    }
  }

  it('sorts and joins more than memory holds on the analyst path, and fails the same queries without a temp directory', async () => {
    const spill = join(dir, 'spill');
    await withLimit('spills', spill, async (w) => {
      expect((await w.query(SORT)).rows[0]?.[0]).toBe(1_000_000);
      expect((await w.query(JOIN)).rows[0]?.[0]).toBe(1_000_000);
      // DuckDB creates the directory when it first spills (and removes it when it closes).
      expect(existsSync(spill)).toBe(true);
    });
    // The control: the same work without anywhere to spill does not fit.
    await withLimit('no-spill', '', async (w) => {
      await expect(w.query(SORT)).rejects.toThrow(WarehouseError);
      await expect(w.query(SORT)).rejects.toThrow(/Out of Memory/);
    });
  }, 180_000);
});

describe('duckdb: the warehouse opened read-only (the CLI without a server) has the same guarantees', () => {
  let dir: string;
  let path: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'touchline-duck-ro-'));
    path = join(dir, 'warehouse.duckdb');
    const w = await openDuckDBWarehouse({ path });
    await w.migrate();
    await w.load(batchOfRows([eventLine({ type: 'track', messageId: 'ro-open', anonymousId: 'a', event: 'E' })], { collectorId: 'c', lastSeq: 1, dedupWindowMs: 1000 }));
    await w.close();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses the whole attack table and still reads', async () => {
    const w = await openDuckDBWarehouse({ path, readOnly: true });
    try {
      const table = attacks('duckdb', { canary: join(dir, 'canary-out'), files: ['/etc/passwd', path] });
      const answered: string[] = [];
      for (const sql of table) {
        const e = await w.query(sql).then(() => null, (err: unknown) => err);
        if (!(e instanceof QueryRefusedError)) answered.push(sql);
      }
      expect(answered).toEqual([]);
      expect(existsSync(join(dir, 'canary-out'))).toBe(false);
      expect((await w.query('SELECT count(*) FROM events')).rows).toEqual([[1]]);
      expect((await w.query("SELECT current_setting('enable_external_access'), current_setting('lock_configuration')")).rows).toEqual([[false, true]]);
    } finally {
      await w.close();
    }
  }, 120_000);
});
