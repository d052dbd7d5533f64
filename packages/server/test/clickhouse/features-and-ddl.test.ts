import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { warehouseDdl } from '../../src/cli/commands/warehouse-ddl.js';
import { resolveConfig } from '../../src/config/config.js';
import { CLICKHOUSE_MIGRATIONS } from '../../src/warehouse/clickhouse/clickhouse-schema.js';
import { openClickHouseWarehouse, type ClickHouseWarehouse } from '../../src/warehouse/clickhouse/clickhouse-warehouse.js';
import { clickhouseSkipReason, startClickHouseServer, type ClickHouseTestServer } from '../support/clickhouse-server.js';
import { eventLine, fromSegments, writeSegment } from '../support/rows.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe.skipIf(clickhouseSkipReason() !== null)('ClickHouse feature detection and printed DDL', () => {
  let server: ClickHouseTestServer;
  let w: ClickHouseWarehouse;
  let dir: string;
  beforeAll(async () => {
    server = await startClickHouseServer();
    w = await openClickHouseWarehouse({ url: server.url, database: 'touchline_features' });
    await w.migrate();
    dir = await mkdtemp(join(tmpdir(), 'touchline-features-'));
  });
  afterAll(async () => {
    await w?.close();
    await server?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('detects what the server can do from the server itself', async () => {
    const version = (await server.sql('SELECT version()')).trim();
    const hasDateTime64 = (await server.sql(`SELECT count() FROM system.data_type_families WHERE name = 'DateTime64'`)).trim() === '1';
    expect(w.features.version).toBe(version);
    expect(w.features.timestamps).toBe(hasDateTime64 ? 'datetime64' : 'iso-string');
    expect(w.features.serverTimezone).toMatch(/UTC/);
  });

  it('lets reads that outgrow half the memory limit spill to disk, under readonly=1', async () => {
    const limit = Number((await server.sql(`SELECT value FROM system.settings WHERE name = 'max_memory_usage'`)).trim());
    expect(limit).toBeGreaterThan(0);
    expect(w.features.memoryLimitBytes).toBe(limit);
    const r = await w.query(`SELECT name, value FROM system.settings WHERE name IN ('readonly', 'max_bytes_before_external_group_by', 'max_bytes_before_external_sort') ORDER BY name`);
    expect(r.rows).toEqual([
      ['max_bytes_before_external_group_by', String(Math.floor(limit / 2))],
      ['max_bytes_before_external_sort', String(Math.floor(limit / 2))],
      ['readonly', '1'],
    ]);
    await expect(w.query('CREATE TABLE spill_probe (x UInt8) ENGINE = Memory')).rejects.toThrow(/only read queries/);
  });

  it('reads JSON fields with the function the server has', async () => {
    const file = await writeSegment(dir, 1, [
      eventLine({ type: 'track', messageId: 'j-1', anonymousId: 'j', event: 'Order Completed', properties: { currency: 'EUR', note: 'a "quoted" word' } }),
    ]);
    await w.load({ collectorId: 'c', ...fromSegments([file]), lastSeq: 1, dedupWindowMs: 3600_000 });
    // The dialect picks JSONExtractString or visitParamExtractString for the server's features.
    const r = await w.query(`SELECT ${w.dialect.jsonText('properties', 'currency')} AS currency FROM events WHERE message_id = 'j-1'`);
    expect(r.rows).toEqual([['EUR']]);
  });

  it('prints single-server DDL that this server accepts, and that Touchline then uses as is', async () => {
    const legacy = !w.features.timestamps.startsWith('datetime64');
    const ddl = warehouseDdl(resolveConfig({}, {}, {}), { database: 'touchline_printed', legacy });
    for (const s of ddl.split(/;\n/).map((x) => x.replace(/^(--[^\n]*\n)+/g, '').trim()).filter(Boolean)) await server.sql(s);
    const printed = await openClickHouseWarehouse({ url: server.url, database: 'touchline_printed' });
    try {
      expect(await printed.migrate()).toEqual([]);
      expect(await printed.schemaVersion()).toBe(Math.max(...CLICKHOUSE_MIGRATIONS.map((m) => m.version)));
      const cols = async (db: string) => server.sql(`SELECT table, name, type FROM system.columns WHERE database = '${db}' ORDER BY table, name`);
      expect(await cols('touchline_printed')).toBe(await cols('touchline_features'));
    } finally {
      await printed.close();
    }
  });

  it('prints cluster DDL with replicated local tables and distributed tables under the store names', () => {
    const ddl = warehouseDdl(resolveConfig({}, {}, {}), { cluster: 'analytics' });
    expect(ddl).toContain(`CREATE TABLE IF NOT EXISTS "touchline"."events_store_local" ON CLUSTER "analytics"`);
    expect(ddl).toContain(`ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/touchline/events_store_local', '{replica}')`);
    expect(ddl).toContain(`ENGINE = Distributed("analytics", "touchline", "events_store_local", cityHash64(ifNull(anonymous_id, ifNull(user_id, ''))))`);
    expect(ddl).toContain(`"timestamp" Nullable(DateTime64(3, 'UTC'))`);
  });
});
