import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { warehouseDdl } from '../../src/cli/commands/warehouse-ddl.js';
import { resolveConfig } from '../../src/config/config.js';
import {
  clickhouseSkipReason,
  freeServerPorts,
  startClickHouseServer,
  type ClickHouseTestServer,
} from '../support/clickhouse-server.js';
import { pageView, startFleet, trackEvent, type Fleet } from '../support/collector-fleet.js';

const CLUSTER = 'touchline_test';

/**
 * The cluster DDL from `touchline warehouse ddl --cluster`, applied to two real servers acting as
 * two shards, with collectors writing through the Distributed tables unchanged. Without ZooKeeper
 * here, `ON CLUSTER` is dropped and each statement is run on each server, and the Replicated*
 * engines become their plain counterparts; sharding, Distributed inserts and FINAL across shards
 * are real.
 */
describe.skipIf(clickhouseSkipReason() !== null)('cluster DDL: two shards behind Distributed tables', () => {
  const servers: ClickHouseTestServer[] = [];
  let fleet: Fleet;

  beforeAll(async () => {
    const ports = [await freeServerPorts(), await freeServerPorts()];
    const clusters = { [CLUSTER]: ports.map((p) => p.tcp) };
    for (const p of ports) servers.push(await startClickHouseServer({ ports: p, clusters }));
    const ddl = warehouseDdl(resolveConfig({}, {}, {}), { cluster: CLUSTER, database: 'touchline_cluster', legacy: true });
    const statements = ddl
      .split(/;\n/)
      .map((s) => s.replace(/^(--[^\n]*\n)+/g, '').trim())
      .filter(Boolean)
      .map((s) =>
        s
          .replace(` ON CLUSTER "${CLUSTER}"`, '')
          .replace(/Replicated(Replacing|Aggregating|)MergeTree\('[^']*', '\{replica\}'(, )?/, '$1MergeTree('),
      );
    expect(statements.some((s) => s.includes('ENGINE = Distributed("touchline_test"'))).toBe(true);
    for (const server of servers) {
      for (const s of statements) if (!s.startsWith('INSERT') || server === servers[0]) await server.sql(s);
    }
    fleet = await startFleet(2, servers[0]!.url, 'touchline_cluster');
  });
  afterAll(async () => {
    await fleet?.dispose();
    for (const s of servers) await s.dispose();
  });

  it('spreads events over both shards and shows each message once', async () => {
    const expected = new Set<string>();
    const sends: Promise<number>[] = [];
    for (let r = 0; r < 30; r++) {
      const events = Array.from({ length: 50 }, (_, i) => {
        expected.add(`c-${r}-${i}`);
        return trackEvent(`c-${r}-${i}`, `anon-${(r * 50 + i) % 400}`);
      });
      sends.push(fleet.send(r % 2, events));
      if (r % 3 === 0) sends.push(fleet.send((r + 1) % 2, events));
    }
    expect(new Set(await Promise.all(sends))).toEqual(new Set([200]));
    await fleet.flush();
    const rows = await fleet.collectors[1]!.sql(`SELECT count(*) AS n, count(DISTINCT message_id) AS ids FROM events WHERE event = 'Fleet Test'`);
    expect(rows).toEqual([{ n: expected.size, ids: expected.size }]);
    const perShard = await Promise.all(servers.map((s) => s.sql(`SELECT count() FROM touchline_cluster.events_store_local FINAL`)));
    expect(perShard.map(Number).every((n) => n > 0)).toBe(true);
    // Copies of a message share an actor, so they land on one shard: the shards hold it once in all.
    expect(perShard.map(Number).reduce((a, b) => a + b, 0)).toBe(expected.size);
  });

  it('keeps each visitor\'s touches on one shard, and either collector reads them through the Distributed table', async () => {
    const at = (hoursAgo: number) => new Date(Date.now() - hoursAgo * 3600_000).toISOString();
    const visitors: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await fleet.track(i % 2, [pageView(`ct-${i}`, `https://www.shop.test/?utm_source=s${i}&utm_medium=cpc`, at(3))]);
      visitors.push(r.visitorId!);
    }
    const shardCounts = () =>
      Promise.all(servers.map(async (s) => Number(await s.sql(`SELECT uniqExact(visitor_id) FROM touchline_cluster.visitor_touches_store_local`))));
    const deadline = Date.now() + 10_000;
    let counts = await shardCounts();
    while (counts.reduce((a, b) => a + b, 0) < visitors.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      counts = await shardCounts();
    }
    expect(counts.every((n) => n > 0)).toBe(true);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(visitors.length); // each visitor on one shard only

    const v = visitors[0]!; // landed through collector 0
    const ad = await fleet.track(1, [pageView('ct-ad', 'https://www.shop.test/?utm_source=google&utm_medium=cpc', at(1))], v);
    expect(ad.body.touches).toMatchObject({ first: { utm_source: 's0' }, last: { utm_source: 'google' } });
  });
});
