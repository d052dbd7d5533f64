import { describe } from 'vitest';
import { clickhouseSkipReason } from '../support/clickhouse-server.js';
import { privateClickHouseWarehouse } from '../support/warehouses.js';
import { describeWarehouseConformance } from './conformance.js';

// The same conformance suite as DuckDB, against a real ClickHouse server started for this file.
describe.skipIf(clickhouseSkipReason() !== null)('clickhouse', () => {
  describeWarehouseConformance('clickhouse', () => privateClickHouseWarehouse('touchline_conformance'));
});
