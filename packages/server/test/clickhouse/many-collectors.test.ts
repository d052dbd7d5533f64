import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickhouseSkipReason, startClickHouseServer, type ClickHouseTestServer } from '../support/clickhouse-server.js';
import { pageView, startFleet, trackEvent, type Fleet } from '../support/collector-fleet.js';
import type { Harness } from '../support/harness.js';

/**
 * Many collectors, one ClickHouse: two collector processes' worth of spool + loader side by side
 * under concurrent load, with a share of the messages sent to both (a client retrying through the
 * load balancer). Every message must be in the warehouse exactly once. And the tracker endpoint
 * behind them, stateless: each visitor's touches live in the warehouse's ClickHouse (the default
 * touch store there), so a visitor may reach any collector.
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

  /** Until the collector's store has what another collector wrote (its next flush, ~250 ms). */
  const seenBy = async (c: Harness, visitorId: string, seen: (s: string | undefined) => boolean) => {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (seen((await c.touchStore!.get(visitorId))?.seen)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`visitor ${visitorId} not visible to the other collector within 10 s`);
  };

  it('keeps a visitor\'s first touch when the visitor switches collectors, and moves last touch through either', async () => {
    const at = (hoursAgo: number) => new Date(Date.now() - hoursAgo * 3600_000).toISOString();
    const landing = await fleet.track(0, [pageView('t-1', 'https://www.shop.test/?utm_source=newsletter&utm_medium=email&utm_campaign=spring', at(3))]);
    expect(landing.status).toBe(200);
    const visitor = landing.visitorId!;
    expect(visitor).toMatch(/^[\w-]{16,}$/);
    expect(landing.body.touches?.first).toMatchObject({ utm_source: 'newsletter' });

    // later, through the other collector: a direct visit, which never moves last touch
    await seenBy(fleet.collectors[1]!, visitor, (s) => s !== undefined);
    const direct = await fleet.track(1, [pageView('t-2', 'https://www.shop.test/pricing', at(2))], visitor);
    expect(direct.body.anonymousId).toBe(visitor);
    expect(direct.body.touches).toMatchObject({ first: { utm_source: 'newsletter' }, last: { utm_source: 'newsletter' } });

    // then back through the first collector, from an ad
    await seenBy(fleet.collectors[0]!, visitor, (s) => s !== undefined && s >= at(2.1));
    const ad = await fleet.track(0, [pageView('t-3', 'https://www.shop.test/?utm_source=google&utm_medium=cpc&gclid=Cj0KCQjwFleet', at(1))], visitor);
    expect(ad.body.touches).toMatchObject({ first: { utm_source: 'newsletter' }, last: { utm_source: 'google', click_id: 'Cj0KCQjwFleet' } });

    await fleet.flush();
    const rows = await fleet.collectors[1]!.sql(
      `SELECT message_id, first_utm_source, last_utm_source FROM events WHERE anonymous_id = '${visitor}' ORDER BY message_id`,
    );
    expect(rows).toEqual([
      { message_id: 't-1', first_utm_source: 'newsletter', last_utm_source: 'newsletter' },
      { message_id: 't-2', first_utm_source: 'newsletter', last_utm_source: 'newsletter' },
      { message_id: 't-3', first_utm_source: 'newsletter', last_utm_source: 'google' },
    ]);
  });
});
