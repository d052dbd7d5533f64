import { describeEngineConformance } from './engine-conformance.js';
import { duckWarehouse } from './support.js';

describeEngineConformance('duckdb', () => duckWarehouse({ identity: true }));
