import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { openClickHouseWarehouse } from '../../src/warehouse/clickhouse/clickhouse-warehouse.js';
import { clickhouseSkipReason, startClickHouseServer } from '../support/clickhouse-server.js';
import { describeEngineConformance } from './engine-conformance.js';
import { withDerived, wrap } from './support.js';

// The same suite as DuckDB, against a real ClickHouse server (18.16 in CI) started for this file.
describe.skipIf(clickhouseSkipReason() !== null)('clickhouse', () => {
  describeEngineConformance('clickhouse', async () => {
    const server = await startClickHouseServer();
    const dir = await mkdtemp(join(tmpdir(), 'touchline-activation-ch-'));
    const warehouse = await openClickHouseWarehouse({ url: server.url, database: 'touchline_activation' });
    await warehouse.migrate();
    return wrap(await withDerived(warehouse), dir, async () => {
      await warehouse.close();
      await server.dispose();
      await rm(dir, { recursive: true, force: true });
    });
  });
});
