import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDuckDBWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import { describeDerivedConformance } from './derived-conformance.js';

describeDerivedConformance('duckdb', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'touchline-derived-duck-'));
  const warehouse = await openDuckDBWarehouse({ path: join(dir, 'w.duckdb') });
  return {
    warehouse,
    async dispose() {
      await warehouse.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
