import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { resolveConfig } from '../../src/config/config.js';
import { startTouchline, type Touchline } from '../../src/server.js';
import { clickhouseSkipReason, startClickHouseServer, type ClickHouseTestServer } from '../support/clickhouse-server.js';
import { sendSample } from '../support/sample-traffic.js';
import type { Harness } from '../support/harness.js';

const QUERIES = [
  `SELECT message_id, type, "timestamp", received_at, anonymous_id, utm_source, gclid, gpc, is_bot FROM events ORDER BY message_id`,
  `SELECT kind, anonymous_id, user_id, previous_id, first_seen FROM identities ORDER BY kind, user_id, anonymous_id`,
  `SELECT reason, batch_index FROM failed_events ORDER BY reason`,
  `SELECT name, write_key, revoked_at FROM sources ORDER BY name`,
];

/**
 * `touchline migrate --to clickhouse`: an embedded installation moves to ClickHouse with every
 * row, the same answers to the same SQL, and its spool checkpoint, so the collector resumes.
 */
describe.skipIf(clickhouseSkipReason() !== null)('migrate --to clickhouse', () => {
  let server: ClickHouseTestServer;
  let dataDir: string;
  const start = (engine: 'duckdb' | 'clickhouse') =>
    startTouchline(
      resolveConfig({ dataDir, port: 0, writeKey: 'wk-migrate-0123456', warehouse: { engine, clickhouse: { url: server.url } } }, {}, {}),
      { listen: false, log: () => undefined },
    );
  const answers = async (t: Touchline) => Promise.all(QUERIES.map(async (q) => (await t.warehouse.query(q)).rows));

  beforeAll(async () => {
    server = await startClickHouseServer();
    dataDir = await mkdtemp(join(tmpdir(), 'touchline-migrate-'));
  });
  afterAll(async () => {
    await server?.dispose();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('copies every table, verifies counts, and gives the same query results on ClickHouse', async () => {
    const duck = await start('duckdb');
    const auth = 'Basic ' + Buffer.from(duck.writeKey + ':').toString('base64');
    await sendSample({ ...duck, auth } as unknown as Harness);
    await duck.sources.create('server');
    await duck.sources.revoke('server');
    const before = await answers(duck);
    const checkpoint = await duck.warehouse.checkpoint(duck.collectorId);
    await duck.close();

    const lines: string[] = [];
    const argv = ['migrate', '--to', 'clickhouse', '--data-dir', dataDir, '--clickhouse-url', server.url, '--no-progress'];
    expect(await main(argv, (s) => lines.push(s))).toBe(0);
    expect(lines.at(-1)).toMatch(/^verified: every table has the same number of rows/);
    expect(lines.filter((l) => l.includes('MISMATCH'))).toEqual([]);
    // Running it again (e.g. after an interruption) changes nothing.
    expect(await main(argv, () => undefined)).toBe(0);

    const ch = await start('clickhouse');
    try {
      expect(await answers(ch)).toEqual(before);
      expect(before[0]?.length).toBe(3 * 40 + 3 + 1);
      expect(await ch.warehouse.checkpoint(ch.collectorId)).toBe(checkpoint);
    } finally {
      await ch.close();
    }
  });
});
