import { describe } from 'vitest';
import { openClickHouseWarehouse } from '../../src/warehouse/clickhouse/clickhouse-warehouse.js';
import { clickhouseSkipReason, startClickHouseServer } from '../support/clickhouse-server.js';
import { describeWarehouseConformance } from './conformance.js';

// The same conformance suite as DuckDB, against a real ClickHouse server started for this file.
describe.skipIf(clickhouseSkipReason() !== null)('clickhouse', () => {
  describeWarehouseConformance('clickhouse', async () => {
    const server = await startClickHouseServer();
    const warehouse = await openClickHouseWarehouse({ url: server.url, database: 'touchline_conformance' });
    return {
      warehouse,
      async dispose() {
        await warehouse.close();
        await server.dispose();
      },
    };
  });
});
