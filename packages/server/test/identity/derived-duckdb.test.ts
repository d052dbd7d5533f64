import { tempDuckDBWarehouse } from '../support/warehouses.js';
import { describeDerivedConformance } from './derived-conformance.js';

describeDerivedConformance('duckdb', () => tempDuckDBWarehouse('touchline-derived-duck'));
