import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickhouseSkipReason, startClickHouseServer, type ClickHouseTestServer } from '../support/clickhouse-server.js';
import { startFleet, trackEvent, type Fleet } from '../support/collector-fleet.js';

/**
 * ClickHouse goes away under load (killed, as a crash or an OOM kill would): the collectors keep
 * answering 200 into their spools, the loaders back off, and when ClickHouse returns they drain;
 * nothing is lost or doubled.
 * The outage lasts a minute (TOUCHLINE_OUTAGE_MS changes it).
 */
const OUTAGE_MS = Number(process.env['TOUCHLINE_OUTAGE_MS'] ?? 60_000);

describe.skipIf(clickhouseSkipReason() !== null)('ClickHouse outage under load', () => {
  let server: ClickHouseTestServer;
  let fleet: Fleet;

  beforeAll(async () => {
    server = await startClickHouseServer();
    fleet = await startFleet(2, server.url, 'touchline_outage');
  });
  afterAll(async () => {
    await fleet?.dispose();
    await server?.dispose();
  });

  it(`keeps accepting for ${OUTAGE_MS / 1000} s without ClickHouse, then drains exactly once`, async () => {
    const sent = new Set<string>();
    const statuses = new Map<number, number>();
    let phase: 'before' | 'down' | 'after' = 'before';
    const acceptedWhileDown = { n: 0 };
    let r = 0;
    const sendOne = async () => {
      const batch = Array.from({ length: 50 }, (_, i) => trackEvent(`o-${r}-${i}`, `anon-${(r + i) % 300}`));
      const target = r % 2;
      const retry = r % 7 === 0;
      r++;
      const status = await fleet.send(target, batch);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status === 200) {
        for (const e of batch) sent.add(String(e['messageId']));
        if (phase === 'down') acceptedWhileDown.n += batch.length;
      }
      if (retry) await fleet.send(1 - target, batch);
    };
    const pump = async (ms: number) => {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        await Promise.all([sendOne(), sendOne(), sendOne()]);
        await new Promise((res) => setTimeout(res, 20));
      }
    };

    await pump(2_000);
    await server.stop({ crash: true });
    phase = 'down';
    await pump(OUTAGE_MS);
    // The loaders noticed: their last attempt failed and the rows wait in the spools.
    const waiting = fleet.collectors.map((c) => c.spool.stats().sealedSegments);
    expect(waiting.some((n) => n > 0)).toBe(true);
    expect(fleet.collectors.some((c) => c.loader.stats().lastError !== null)).toBe(true);
    await server.start();
    phase = 'after';
    await pump(2_000);
    await fleet.flush();

    expect([...statuses.keys()]).toEqual([200]);
    expect(acceptedWhileDown.n).toBeGreaterThan(1000);
    const rows = await fleet.collectors[0]!.sql(
      `SELECT count(*) AS n, count(DISTINCT message_id) AS ids FROM events WHERE event = 'Fleet Test'`,
    );
    expect(rows).toEqual([{ n: sent.size, ids: sent.size }]);
  }, OUTAGE_MS + 90_000);
});
