import { afterEach, describe, expect, it } from 'vitest';
import { startClickHouseServer } from '../support/clickhouse-server.js';

describe('the ClickHouse test server helper', () => {
  const saved = process.env['TOUCHLINE_CLICKHOUSE_SERVER'];
  afterEach(() => {
    if (saved === undefined) delete process.env['TOUCHLINE_CLICKHOUSE_SERVER'];
    else process.env['TOUCHLINE_CLICKHOUSE_SERVER'] = saved;
  });

  it('fails loudly, with the exit code and log, when the server cannot start', async () => {
    process.env['TOUCHLINE_CLICKHOUSE_SERVER'] = '/bin/false';
    await expect(startClickHouseServer()).rejects.toThrow(/did not answer SELECT 1 .* \(exit code 1\)/);
  });
});
