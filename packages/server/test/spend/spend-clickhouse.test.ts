import { describe } from 'vitest';
import { clickhouseSkipReason } from '../support/clickhouse-server.js';
import { privateClickHouseWarehouse } from '../support/warehouses.js';
import { describeSpendStore } from './spend-conformance.js';

// The same suites as DuckDB, against a real ClickHouse server started for this file.
describe.skipIf(clickhouseSkipReason() !== null)('clickhouse', () => {
  describeSpendStore('clickhouse', () => privateClickHouseWarehouse('touchline_spend'));
});
