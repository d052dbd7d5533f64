import { tempDuckDBWarehouse } from '../support/warehouses.js';
import { describeAttributionConformance } from './attribution-conformance.js';

describeAttributionConformance('duckdb', () => tempDuckDBWarehouse('touchline-attr-duck'));
