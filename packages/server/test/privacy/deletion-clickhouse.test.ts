import { describe } from 'vitest';
import { clickhouseSkipReason, startClickHouseServer, type ClickHouseTestServer } from '../support/clickhouse-server.js';
import { deletionSuite } from './deletion-suite.js';

// Deletes on ClickHouse are mutations: the request waits for them (waitMs) and answers done.
describe.skipIf(clickhouseSkipReason() !== null)(`privacy delete on ClickHouse ${clickhouseSkipReason() ?? ''}`, () => {
  let server: ClickHouseTestServer | undefined;
  deletionSuite({
    async warehouse() {
      server = await startClickHouseServer();
      return { engine: 'clickhouse', clickhouse: { url: server.url, database: 'privacy_delete' } };
    },
    dispose: async () => server?.dispose(),
  });
});
