import { describe } from 'vitest';
import { clickhouseSkipReason } from '../support/clickhouse-server.js';
import { privateClickHouseWarehouse } from '../support/warehouses.js';
import { describeAttributionConformance } from './attribution-conformance.js';

// The same suite as DuckDB, against a real ClickHouse server started for this file.
describe.skipIf(clickhouseSkipReason() !== null)('clickhouse', () => {
  describeAttributionConformance('clickhouse', () => privateClickHouseWarehouse('touchline_attribution'));
});
