import { describe } from 'vitest';
import { deletionSuite } from './deletion-suite.js';

describe('privacy delete on DuckDB', () => {
  deletionSuite({ warehouse: async () => ({ engine: 'duckdb' }), dispose: async () => undefined });
});
