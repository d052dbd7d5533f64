import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDuckDBWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import { describeWarehouseConformance } from './conformance.js';

describeWarehouseConformance('duckdb', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'touchline-duck-'));
  const warehouse = await openDuckDBWarehouse({ path: join(dir, 'w.duckdb') });
  return {
    warehouse,
    async dispose() {
      await warehouse.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
