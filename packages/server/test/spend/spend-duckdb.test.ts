import { tempDuckDBWarehouse } from '../support/warehouses.js';
import { describeSpendStore } from './spend-conformance.js';

describeSpendStore('duckdb', () => tempDuckDBWarehouse('touchline-spend-duck'));
