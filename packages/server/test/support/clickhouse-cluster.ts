import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { freeServerPorts, startClickHouseServer, type ClickHouseTestServer } from './clickhouse-server.js';
import { BIN, assertBuilt } from './process.js';
import { startZooKeeper, type TestZooKeeper } from './zookeeper.js';

const run = promisify(execFile);

/**
 * A replicated ClickHouse cluster on this machine: one ZooKeeper, and `shards` × `replicas`
 * Debian clickhouse-servers, each with its own generated config (ports, `<macros>` shard and
 * replica, `<remote_servers>` naming every node, `<zookeeper>`).
 */
export interface TestCluster {
  readonly name: string;
  readonly zookeeper: TestZooKeeper;
  /** `nodes[shard][replica]` */
  readonly nodes: readonly (readonly ClickHouseTestServer[])[];
  /** `tcpPorts[shard][replica]`: what `remote_servers` names (and ClickHouse's errors quote). */
  readonly tcpPorts: readonly (readonly number[])[];
  /** Prints `touchline warehouse ddl --cluster` with the built CLI and runs it on the first node. */
  applyDdl(database: string): Promise<{ statements: number; ms: number }>;
  dispose(): Promise<void>;
}

export async function startCluster(name: string, shards: number, replicas: number): Promise<TestCluster> {
  const zookeeper = await startZooKeeper();
  const ports = await Promise.all(Array.from({ length: shards }, () => Promise.all(Array.from({ length: replicas }, () => freeServerPorts()))));
  const clusters = { [name]: ports.map((shard) => shard.map((p) => p.tcp)) };
  const nodes: ClickHouseTestServer[][] = [];
  try {
    for (const [s, shard] of ports.entries()) {
      // one after another: 18.16 needs most of a core to start, and CI has two
      const row: ClickHouseTestServer[] = [];
      nodes.push(row);
      for (const [r, p] of shard.entries())
        row.push(await startClickHouseServer({ ports: p, clusters, zookeeperPort: zookeeper.port, macros: { shard: `0${s + 1}`, replica: `r${r + 1}` } }));
    }
  } catch (err) {
    for (const n of nodes.flat()) await n.dispose();
    await zookeeper.dispose();
    throw err;
  }
  const first = nodes[0]![0]!;
  return {
    name,
    zookeeper,
    nodes,
    tcpPorts: ports.map((shard) => shard.map((p) => p.tcp)),
    async applyDdl(database) {
      assertBuilt();
      const { stdout } = await run(process.execPath, [BIN, 'warehouse', 'ddl', '--cluster', name, '--database', database, '--legacy']);
      const statements = stdout
        .split(/;\n/)
        .map((s) => s.replace(/^(--[^\n]*\n)+/g, '').trim())
        .filter(Boolean);
      const t0 = Date.now();
      for (const s of statements) await first.sql(s);
      return { statements: statements.length, ms: Date.now() - t0 };
    },
    async dispose() {
      for (const n of nodes.flat()) await n.dispose();
      await zookeeper.dispose();
    },
  };
}
