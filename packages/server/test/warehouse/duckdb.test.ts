import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDuckDBWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import { describe, expect, it } from 'vitest';
import { eventLine, fromSegments, writeSegment } from '../support/rows.js';
import { tempDuckDBWarehouse } from '../support/warehouses.js';
import { describeWarehouseConformance } from './conformance.js';

describeWarehouseConformance('duckdb', () => tempDuckDBWarehouse('touchline-duck'));

describe('duckdb: text DuckDB cannot store', () => {
  it('quarantines a spooled row carrying a lone surrogate escape instead of stalling the loader', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'touchline-duck-'));
    const warehouse = await openDuckDBWarehouse({ path: join(dir, 'w.duckdb') });
    try {
      await warehouse.migrate();
      const good = eventLine({ type: 'track', messageId: 's-good', anonymousId: 'u', event: 'E' });
      const bad = '{"kind":"event","message_id":"s-bad","source_id":"src_test","type":"track","event":"\\udfff","timestamp":"2026-03-01T12:00:00.000Z","received_at":"2026-03-01T12:00:00.000Z"}';
      const file = await writeSegment(join(dir, 'spool'), 1, [good, bad]);
      const r = await warehouse.load({ collectorId: 'c', ...fromSegments([file]), lastSeq: 1, dedupWindowMs: 1000 });
      expect(r).toMatchObject({ events: 1, unloadable: 1 });
      const q = await warehouse.query(`SELECT raw FROM failed_events`);
      expect(q.rows).toEqual([[bad]]);
    } finally {
      await warehouse.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
