import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickhouseSkipReason, startClickHouseServer, type ClickHouseTestServer } from '../support/clickhouse-server.js';
import { startFleet, trackEvent, type Fleet } from '../support/collector-fleet.js';

/**
 * Many collectors, one ClickHouse: two collector processes' worth of spool + loader side by side
 * under concurrent load, with a share of the messages sent to both (a client retrying through the
 * load balancer). Every message must be in the warehouse exactly once.
 */
describe.skipIf(clickhouseSkipReason() !== null)('many collectors writing to one ClickHouse', () => {
  let server: ClickHouseTestServer;
  let fleet: Fleet;

  beforeAll(async () => {
    server = await startClickHouseServer();
    fleet = await startFleet(2, server.url, 'touchline_fleet');
  });
  afterAll(async () => {
    await fleet?.dispose();
    await server?.dispose();
  });

  it('loads every message exactly once, including ones sent to both collectors', async () => {
    const requests = 60;
    const perRequest = 100;
    const expected = new Set<string>();
    const sends: Promise<number>[] = [];
    for (let r = 0; r < requests; r++) {
      const events = Array.from({ length: perRequest }, (_, i) => {
        const id = `m-${r}-${i}`;
        expected.add(id);
        return trackEvent(id, `anon-${(r * perRequest + i) % 700}`);
      });
      sends.push(fleet.send(r % 2, events));
      // Every fifth request is retried through the other collector.
      if (r % 5 === 0) sends.push(fleet.send((r + 1) % 2, events));
    }
    expect(new Set(await Promise.all(sends))).toEqual(new Set([200]));
    await fleet.flush();

    const [c0, c1] = fleet.collectors.map((c) => c.loader.stats());
    expect((c0?.loadedEvents ?? 0) > 0 && (c1?.loadedEvents ?? 0) > 0).toBe(true);
    const rows = await fleet.collectors[0]!.sql(
      `SELECT count(*) AS n, count(DISTINCT message_id) AS ids FROM events WHERE event = 'Fleet Test'`,
    );
    expect(rows).toEqual([{ n: expected.size, ids: expected.size }]);
    const checkpoints = await fleet.collectors[1]!.sql(`SELECT count(DISTINCT collector_id) AS n FROM loader_checkpoints`);
    expect(checkpoints).toEqual([{ n: 2 }]);
  });
});
