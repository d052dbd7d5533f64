/** Warehouse migration 6 on a DuckDB store made before it (version 3: no plan columns, no plan_replays). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openDuckDBWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';

let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('upgrades a version 3 store: plan columns on events and failed_events, plan_replays, rows kept', async () => {
  dir = await mkdtemp(join(tmpdir(), 'touchline-plan-migration-'));
  const path = join(dir, 'w.duckdb');
  const old = await openDuckDBWarehouse({ path });
  await old.migrate();
  const w = (sql: string) => old.query(sql, { readOnly: false });
  for (const t of ['events', 'failed_events']) for (const c of ['plan_version', 'plan_violations']) await w(`ALTER TABLE ${t} DROP COLUMN ${c}`);
  await w(`DROP TABLE plan_replays`);
  await w(`DELETE FROM schema_migrations WHERE version > 3`);
  await w(`INSERT INTO events (message_id, source_id, type, event) VALUES ('old-1', 'src', 'track', 'Order Completed')`);
  expect(await old.schemaVersion()).toBe(3);
  await old.close();

  const upgraded = await openDuckDBWarehouse({ path });
  try {
    expect(await upgraded.migrate()).toContain(6);
    const cols = await upgraded.query(`SELECT table_name || '.' || column_name FROM information_schema.columns WHERE column_name LIKE 'plan_%' ORDER BY 1`);
    expect(cols.rows.map((r) => r[0])).toEqual(expect.arrayContaining(['events.plan_version', 'events.plan_violations', 'failed_events.plan_version', 'failed_events.plan_violations', 'plan_replays.plan_version']));
    expect((await upgraded.query(`SELECT message_id, plan_version FROM events`)).rows).toEqual([['old-1', null]]);
    expect(await upgraded.migrate()).toEqual([]);
  } finally {
    await upgraded.close();
  }
});
