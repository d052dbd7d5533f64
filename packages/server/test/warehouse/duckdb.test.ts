import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDuckDBWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import { describe, expect, it } from 'vitest';
import { batchOfRows } from '../../src/warehouse/warehouse.js';
import { eventLine, fromSegments, writeSegment } from '../support/rows.js';
import { tempDuckDBWarehouse } from '../support/warehouses.js';
import { describeWarehouseConformance } from './conformance.js';

describeWarehouseConformance('duckdb', () => tempDuckDBWarehouse('touchline-duck'));

describe('duckdb: events received together', () => {
  it('are stored in the order they were spooled, not grouped by id', async () => {
    const { warehouse, dispose } = await tempDuckDBWarehouse('touchline-duck-order');
    try {
      await warehouse.migrate();
      const ids = ['tie-z', 'tie-a', 'tie-m', 'tie-b', 'tie-y', 'tie-c'];
      const lines = ids.map((messageId) => eventLine({ type: 'track', messageId, anonymousId: 'same', event: 'Tie' }));
      await warehouse.load(batchOfRows(lines, { collectorId: 'c', lastSeq: 1, dedupWindowMs: 1000 }));
      // Same received_at: only the physical order (DuckDB keeps insertion order) tells them apart.
      expect((await warehouse.query(`SELECT message_id FROM events WHERE event = 'Tie'`)).rows.flat()).toEqual(ids);
    } finally {
      await dispose();
    }
  });
});

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
