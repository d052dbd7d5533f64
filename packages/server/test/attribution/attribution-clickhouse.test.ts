import { describe } from 'vitest';
import { openClickHouseWarehouse } from '../../src/warehouse/clickhouse/clickhouse-warehouse.js';
import { clickhouseSkipReason, startClickHouseServer } from '../support/clickhouse-server.js';
import { describeAttributionConformance } from './attribution-conformance.js';

// The same suite as DuckDB, against a real ClickHouse server started for this file.
describe.skipIf(clickhouseSkipReason() !== null)('clickhouse', () => {
  describeAttributionConformance('clickhouse', async () => {
    const server = await startClickHouseServer();
    const warehouse = await openClickHouseWarehouse({ url: server.url, database: 'touchline_attribution' });
    return {
      warehouse,
      async dispose() {
        await warehouse.close();
        await server.dispose();
      },
    };
  });
});
