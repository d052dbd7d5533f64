import { describe } from 'vitest';
import { clickhouseSkipReason } from '../support/clickhouse-server.js';
import { privateClickHouseWarehouse } from '../support/warehouses.js';
import { describeDerivedConformance } from './derived-conformance.js';

// The same suite as DuckDB, against a real ClickHouse server started for this file.
describe.skipIf(clickhouseSkipReason() !== null)('clickhouse', () => {
  describeDerivedConformance('clickhouse', () => privateClickHouseWarehouse('touchline_derived'));
});
