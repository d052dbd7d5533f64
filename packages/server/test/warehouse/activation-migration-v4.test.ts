import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultValues, RESULT_COLUMNS } from '../../src/activation/store/store-engine.js';
import type { Checkpoint } from '../../src/activation/store/records.js';
import { CLICKHOUSE_MIGRATIONS, STORE, createStoreTable, storeTables } from '../../src/warehouse/clickhouse/clickhouse-schema.js';
import { openClickHouseWarehouse, type ClickHouseWarehouse } from '../../src/warehouse/clickhouse/clickhouse-warehouse.js';
import { DUCKDB_MIGRATIONS } from '../../src/warehouse/duckdb/duckdb-schema.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';
import { clickhouseSkipReason, startClickHouseServer, type ClickHouseTestServer } from '../support/clickhouse-server.js';
import { tempDuckDBWarehouse, type DisposableWarehouse } from '../support/warehouses.js';

/** A row as Touchline wrote it before migration 4: the vendor's code in `code`. */
const OLD_ROW = `('run_old', 'leads', 'L-3', 'add', 1, 'rejected', 'INVALID_EMAIL_ADDRESS', 'bad email', 'email', 'd-3', 200, NULL, NULL, 'r-old')`;
const OLD_COLUMNS = '(run_id, sync_name, pk, op, attempt, status, code, reason, field, dedup_key, http_status, request, answer, result_id)';

/** A row as Touchline writes it now, through the store's own column list. */
const newCheckpoint = (at: number): Checkpoint => ({
  syncName: 'leads',
  runId: 'run_new',
  states: [],
  removals: [],
  results: [{
    runId: 'run_new', syncName: 'leads', pk: 'L-4', op: 'add', attempt: 1, status: 'accepted', code: null, vendorCode: null,
    reason: null, field: null, dedupKey: 'd-4', httpStatus: 200, request: { x: 1 }, answer: null,
    receipt: { requestId: 'req-"1"', sentAt: at, rows: 1 }, at,
  }, {
    runId: 'run_new', syncName: 'leads', pk: 'L-5', op: 'add', attempt: 1, status: 'rejected', code: 'VENDOR_REFUSED', vendorCode: 'INVALID_EMAIL_ADDRESS',
    reason: 'bad email', field: 'email', dedupKey: 'd-5', httpStatus: 200, request: null, answer: null, receipt: null, at,
  }],
});

/** Every migration after 3, 4 first (both engines know the same versions: migration-order.test.ts). */
const AFTER_V3 = DUCKDB_MIGRATIONS.map((m) => m.version).filter((v) => v > 3);

/** Upgrades a v3 warehouse and checks old and new rows side by side. */
async function upgradeFromV3(w: Warehouse): Promise<void> {
  expect(await w.schemaVersion()).toBe(3);
  expect(AFTER_V3[0]).toBe(4);
  expect(await w.migrate()).toEqual(AFTER_V3);
  expect(await w.schemaVersion()).toBe(AFTER_V3.at(-1));
  expect(await w.migrate()).toEqual([]);
  const at = Date.parse('2026-12-07T12:00:00.000Z');
  await w.insertRows('sync_row_results', RESULT_COLUMNS, resultValues(newCheckpoint(at), () => `r-${Math.random()}`));
  const r = await w.query(`SELECT pk, status, code, vendor_code, receipt FROM sync_row_results WHERE sync_name = 'leads' ORDER BY pk`);
  const rows = r.rows.map((row) => [row[0], row[1], row[2], row[3], row[4] === null ? null : JSON.parse(String(row[4]))]);
  expect(rows).toEqual([
    // The old row keeps working: its vendor code where it was, vendor_code and receipt empty.
    ['L-3', 'rejected', 'INVALID_EMAIL_ADDRESS', null, null],
    ['L-4', 'accepted', null, null, { requestId: 'req-"1"', sentAt: at, rows: 1 }],
    ['L-5', 'rejected', 'VENDOR_REFUSED', 'INVALID_EMAIL_ADDRESS', null],
  ]);
}

describe('warehouse migration 4 (sync_row_results.receipt, vendor_code) on DuckDB', () => {
  let d: DisposableWarehouse;
  beforeAll(async () => {
    d = await tempDuckDBWarehouse('touchline-v4');
  });
  afterAll(async () => d?.dispose());

  it('upgrades a version 3 warehouse in place; old rows keep working', async () => {
    const w = d.warehouse;
    const exec = (sql: string) => w.query(sql, { readOnly: false });
    await exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMPTZ)`);
    for (const m of DUCKDB_MIGRATIONS.filter((x) => x.version <= 3)) {
      for (const s of m.statements) await exec(s);
      await exec(`INSERT INTO schema_migrations VALUES (${m.version}, 'v${m.version}', now())`);
    }
    await exec(`INSERT INTO sync_row_results ${OLD_COLUMNS} VALUES ${OLD_ROW}`);
    await upgradeFromV3(w);
  });
});

describe.skipIf(clickhouseSkipReason() !== null)('warehouse migration 4 (sync_row_results.receipt, vendor_code) on ClickHouse', () => {
  let server: ClickHouseTestServer;
  let w: ClickHouseWarehouse;
  beforeAll(async () => {
    server = await startClickHouseServer();
    w = await openClickHouseWarehouse({ url: server.url, database: 'touchline_v3' });
  });
  afterAll(async () => {
    await w?.close();
    await server?.dispose();
  });

  it('upgrades a version 3 warehouse in place; old rows keep working', async () => {
    const target = { database: 'touchline_v3', features: w.features };
    await server.sql('CREATE DATABASE IF NOT EXISTS touchline_v3');
    await server.sql(createStoreTable(storeTables(target).find((s) => s.name === STORE.migrations)!, target));
    for (const m of CLICKHOUSE_MIGRATIONS.filter((x) => x.version <= 3)) {
      for (const s of m.statements(target)) await server.sql(s);
      await server.sql(`INSERT INTO touchline_v3.${STORE.migrations} (version, name, applied_at) VALUES (${m.version}, 'v${m.version}', now())`);
    }
    await server.sql(`INSERT INTO touchline_v3.sync_row_results ${OLD_COLUMNS} VALUES ${OLD_ROW}`);
    await upgradeFromV3(w);
  });
});
