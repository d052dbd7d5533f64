import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDuckDBWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import { describeAttributionConformance } from './attribution-conformance.js';

describeAttributionConformance('duckdb', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'touchline-attr-duck-'));
  const warehouse = await openDuckDBWarehouse({ path: join(dir, 'w.duckdb') });
  return {
    warehouse,
    async dispose() {
      await warehouse.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
