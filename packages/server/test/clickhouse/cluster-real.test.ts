import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClickHouseWarehouse } from '../../src/warehouse/clickhouse/clickhouse-warehouse.js';
import { startCluster, type TestCluster } from '../support/clickhouse-cluster.js';
import { clickhouseSkipReason } from '../support/clickhouse-server.js';
import { pageView, startFleet, trackEvent, type Fleet } from '../support/collector-fleet.js';
import { describeWarehouseConformance } from '../warehouse/conformance.js';
import { zookeeperSkipReason } from '../support/zookeeper.js';

/**
 * `touchline warehouse ddl --cluster` on a real replicated cluster: two shards × two replicas of
 * Debian's clickhouse-server 18.16 and Debian's ZooKeeper, on this machine, each server with its
 * own generated config. The warehouse conformance suite runs on the Distributed tables while two
 * collectors load into another database of the same cluster; they go on loading while a replica is killed (nothing acknowledged is lost, and the
 * replica catches up when it returns) and while a whole shard is stopped (the collectors keep
 * acknowledging into their spools, the loaders say why they cannot load, and everything arrives
 * once when the shard returns). `.ci/run` runs this file as its own step and prints its time.
 */
const skip = clickhouseSkipReason() ?? zookeeperSkipReason();
const CLUSTER = 'touchline_real';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(test: () => Promise<boolean>, ms: number, why: () => string | Promise<string>): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await test().catch(() => false)) return;
    await sleep(250);
  }
  throw new Error(await why());
}

describe.skipIf(skip !== null)('a real cluster: two shards × two replicas with ZooKeeper', () => {
  let cluster: TestCluster;
  const figures: Record<string, number> = {};
  let fleet: Fleet;
  let background: ReturnType<typeof pump> | undefined;
  const acked = new Set<string>();
  let round = 0;

  /** Sends batches to both collectors (every fifth one to both: a client retry) until `stop()`. */
  function pump(): { stop(): Promise<void>; statuses: Map<number, number> } {
    const statuses = new Map<number, number>();
    let running = true;
    const one = async () => {
      const r = round++;
      const batch = Array.from({ length: 40 }, (_, i) => trackEvent(`rc-${r}-${i}`, `anon-${(r * 40 + i) % 500}`));
      const targets = r % 5 === 0 ? [0, 1] : [r % 2];
      for (const t of targets) {
        const status = await fleet.send(t, batch);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status === 200) for (const e of batch) acked.add(String(e['messageId']));
      }
    };
    const loop = (async () => {
      while (running) {
        await Promise.all([one(), one()]);
        await sleep(25);
      }
    })();
    return {
      statuses,
      async stop() {
        running = false;
        await loop;
      },
    };
  }

  const node = (shard: number, replica: number) => cluster.nodes[shard]![replica]!;
  const localCount = async (shard: number, replica: number) =>
    Number(await node(shard, replica).sql(`SELECT count() FROM touchline_cluster.events_store_local FINAL WHERE event = 'Fleet Test'`));
  const clusterCounts = async () => {
    const [row] = await fleet.collectors[0]!.sql(`SELECT count(*) AS n, count(DISTINCT message_id) AS ids FROM events WHERE event = 'Fleet Test'`);
    return { n: Number(row!['n']), ids: Number(row!['ids']) };
  };

  beforeAll(async () => {
    const t0 = Date.now();
    cluster = await startCluster(CLUSTER, 2, 2);
    figures['cluster start ms'] = Date.now() - t0;
    const ddl = await cluster.applyDdl('touchline_conformance');
    figures['ddl statements'] = ddl.statements;
    figures['ddl ms'] = ddl.ms;
    await cluster.applyDdl('touchline_cluster');
    fleet = await startFleet(2, node(0, 0).url, 'touchline_cluster');
    // two collectors load into their own database on the same cluster while the conformance suite runs
    background = pump();
  }, 300_000);
  afterAll(async () => {
    await background?.stop();
    console.log(`cluster figures: ${JSON.stringify(figures)}`);
    await fleet?.dispose();
    await cluster?.dispose();
  });

  describeWarehouseConformance('clickhouse cluster (Distributed tables, 2 shards × 2 replicas)', async () => {
    const warehouse = await openClickHouseWarehouse({ url: cluster.nodes[0]![0]!.url, database: 'touchline_conformance' });
    return { warehouse, dispose: () => warehouse.close() };
  });

  describe('two collectors loading', () => {
    it('loaded everything acknowledged while the conformance suite ran', async () => {
      await background!.stop();
      expect([...background!.statuses.keys()]).toEqual([200]);
      expect(acked.size).toBeGreaterThan(0);
      await fleet.flush();
      expect(await clusterCounts()).toEqual({ n: acked.size, ids: acked.size });
      figures['events loaded during conformance'] = acked.size;
    }, 120_000);

    it('loses nothing acknowledged when the replica taking the writes is killed under load, and it catches up', async () => {
      // In remote_servers order, r1 of each shard takes the inserts and the reads: kill shard 02's.
      const p = pump();
      await sleep(2_000);
      await node(1, 0).stop({ crash: true });
      const killedAt = Date.now();
      await sleep(5_000);
      await p.stop();
      expect([...p.statuses.keys()]).toEqual([200]);
      await fleet.flush(); // resolves: the loads go to r2 of shard 02 (flush throws on a failed load)
      // Rows r1 took just before it died and r2 had not fetched yet are on r1's disk only: not
      // lost, out of sight until r1 returns (insert_quorum would trade that for failed loads).
      const whileDown = await clusterCounts();
      expect(whileDown.n).toBe(whileDown.ids);
      expect(whileDown.n).toBeLessThanOrEqual(acked.size);
      figures['rows out of sight while the writing replica was down'] = acked.size - whileDown.n;

      const t0 = Date.now();
      await node(1, 0).start();
      await until(
        async () => (await localCount(1, 0)) === (await localCount(1, 1)),
        60_000,
        async () => `replica r1 of shard 02 did not catch up: ${await localCount(1, 0)} of ${await localCount(1, 1)} rows`,
      );
      figures['replica down ms'] = t0 - killedAt;
      figures['replica catch-up ms'] = Date.now() - t0;
      figures['events acknowledged by then'] = acked.size;
      // both shards hold rows, each shard's replicas agree, and the shards hold each event once
      expect(await localCount(0, 0)).toBeGreaterThan(0);
      expect(await localCount(0, 1)).toBe(await localCount(0, 0));
      expect((await localCount(0, 0)) + (await localCount(1, 0))).toBe(acked.size);
      expect(await clusterCounts()).toEqual({ n: acked.size, ids: acked.size });
    }, 180_000);

    it('keeps acknowledging while a whole shard is stopped, says why it cannot load, and loads everything once when the shard returns', async () => {
      await Promise.all([node(1, 0).stop(), node(1, 1).stop()]);
      const before = acked.size;
      const p = pump();
      await sleep(3_000);
      await p.stop();
      expect([...p.statuses.keys()]).toEqual([200]); // spooled: the collectors do not depend on the shard
      expect(acked.size).toBeGreaterThan(before);

      const failure = await fleet.collectors[0]!.loader.flush().then(
        () => null,
        (err: Error) => err.message,
      );
      expect(failure).not.toBeNull();
      // names the shard's replicas, not "All connection tries failed"
      const shard2 = cluster.tcpPorts[1]!.map((p) => `127.0.0.1:${p}`);
      expect(failure).toContain('ClickHouse: a shard of the cluster is unreachable: none of its replicas accepted a connection');
      for (const replica of shard2) expect(failure).toContain(replica);
      const query = await fleet.collectors[1]!.warehouse.query(`SELECT count(*) FROM events`).then(
        () => null,
        (err: Error) => err.message,
      );
      expect(query).toContain('ClickHouse: a shard of the cluster is unreachable');
      console.log(`with shard 02 stopped, the loader says: ${failure}\nand a query: ${query}`);

      const t0 = Date.now();
      await Promise.all([node(1, 0).start(), node(1, 1).start()]);
      await until(
        async () => {
          await fleet.flush();
          const c = await clusterCounts();
          return c.n === acked.size && c.ids === acked.size;
        },
        90_000,
        async () => `after the shard returned: ${JSON.stringify(await clusterCounts().catch((e: Error) => e.message))}, expected ${acked.size}`,
      );
      figures['shard recovery ms'] = Date.now() - t0;
      const ids = await fleet.collectors[0]!.sql(`SELECT message_id FROM events WHERE event = 'Fleet Test'`);
      expect(new Set(ids.map((r) => String(r['message_id'])))).toEqual(acked);
    }, 240_000);

    it("keeps each visitor's touches through the replicated touch store: either collector, either replica", async () => {
      const at = (hoursAgo: number) => new Date(Date.now() - hoursAgo * 3600_000).toISOString();
      const visitors: string[] = [];
      for (let i = 0; i < 12; i++) {
        const r = await fleet.track(i % 2, [pageView(`rt-${i}`, `https://www.shop.test/?utm_source=s${i}&utm_medium=cpc`, at(3))]);
        expect(r.status).toBe(200);
        visitors.push(r.visitorId!);
      }
      const perReplica = (shard: number, replica: number) =>
        node(shard, replica).sql(`SELECT uniqExact(visitor_id) FROM touchline_cluster.visitor_touches_store_local`).then(Number);
      // the collectors write touches to the store after answering: wait for all of them, and for the copies
      await until(
        async () =>
          (await perReplica(0, 0)) + (await perReplica(1, 0)) === visitors.length &&
          (await perReplica(0, 1)) === (await perReplica(0, 0)) &&
          (await perReplica(1, 1)) === (await perReplica(1, 0)),
        30_000,
        async () => `the replicas of the touch store disagree: ${await perReplica(0, 0)}/${await perReplica(0, 1)}, ${await perReplica(1, 0)}/${await perReplica(1, 1)}`,
      );
      expect((await perReplica(0, 0)) + (await perReplica(1, 0))).toBe(visitors.length); // each visitor on one shard
      expect(await perReplica(0, 0)).toBeGreaterThan(0);
      expect(await perReplica(1, 0)).toBeGreaterThan(0);
      // a later ad click of visitor 0 (who landed through collector 0) arrives at collector 1
      const ad = await fleet.track(1, [pageView('rt-ad', 'https://www.shop.test/?utm_source=google&utm_medium=cpc', at(1))], visitors[0]);
      expect(ad.body.touches, JSON.stringify(ad.body.touches)).toMatchObject({ first: { utm_source: 's0' }, last: { utm_source: 'google' } });
    }, 120_000);
  });
});
