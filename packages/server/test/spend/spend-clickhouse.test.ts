import { afterAll, describe } from 'vitest';
import { openClickHouseWarehouse } from '../../src/warehouse/clickhouse/clickhouse-warehouse.js';
import { clickhouseSkipReason, startClickHouseServer, type ClickHouseTestServer } from '../support/clickhouse-server.js';
import { describeSpendAttribution, describeSpendStore } from './spend-conformance.js';

// The same suites as DuckDB, against one real ClickHouse server for this file (a database per suite).
describe.skipIf(clickhouseSkipReason() !== null)('clickhouse', () => {
  let server: Promise<ClickHouseTestServer> | null = null;
  const open = (database: string) => async () => {
    const s = await (server ??= startClickHouseServer());
    const warehouse = await openClickHouseWarehouse({ url: s.url, database });
    return { warehouse, dispose: () => warehouse.close() };
  };
  afterAll(async () => {
    await (await server)?.dispose();
  });
  describeSpendStore('clickhouse', open('touchline_spend'));
  describeSpendAttribution('clickhouse', open('touchline_spend_attr'));
});
