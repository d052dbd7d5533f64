/**
 * Each store applies the migrations above the highest version it has, in list order: a list out
 * of order, or a repeated number, would skip a migration on some stores. Checked for the two
 * warehouse engines and the control store.
 */
import { describe, expect, it } from 'vitest';
import { MIGRATIONS as CONTROL_MIGRATIONS } from '../../src/control/migrations.js';
import { CLICKHOUSE_MIGRATIONS } from '../../src/warehouse/clickhouse/clickhouse-schema.js';
import { DUCKDB_MIGRATIONS } from '../../src/warehouse/duckdb/duckdb-schema.js';

const lists = { duckdb: DUCKDB_MIGRATIONS, clickhouse: CLICKHOUSE_MIGRATIONS, control: CONTROL_MIGRATIONS };

describe('migration lists', () => {
  for (const [name, list] of Object.entries(lists)) {
    it(`${name}: versions rise strictly, from 1`, () => {
      const versions = list.map((m) => m.version);
      expect(versions[0]).toBe(1);
      for (let i = 1; i < versions.length; i++) expect(versions[i], `${name} migration #${i}`).toBeGreaterThan(versions[i - 1]!);
    });
  }
  it('the two warehouse engines know the same versions', () => {
    expect(DUCKDB_MIGRATIONS.map((m) => m.version)).toEqual(CLICKHOUSE_MIGRATIONS.map((m) => m.version));
  });
});
