import { tempDuckDBWarehouse } from '../support/warehouses.js';
import { describeSpendAttribution, describeSpendStore } from './spend-conformance.js';

describeSpendStore('duckdb', () => tempDuckDBWarehouse('touchline-spend-duck'));
describeSpendAttribution('duckdb', () => tempDuckDBWarehouse('touchline-spend-attr-duck'));
