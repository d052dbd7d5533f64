import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real ClickHouse server for tests: its own scratch directory, free ports, a config written
 * here (nothing from /etc is changed or shared), started and stopped by the test file. CI installs
 * Debian's `clickhouse-server`; when the binary is absent the ClickHouse tests are skipped with a
 * printed reason, and when it is present but does not start they fail with its log.
 */
const CANDIDATES = ['/usr/sbin/clickhouse-server', '/usr/bin/clickhouse-server', '/usr/local/bin/clickhouse-server'];

export function findClickHouseServer(): string | null {
  const fromEnv = process.env['TOUCHLINE_CLICKHOUSE_SERVER'];
  if (fromEnv) return fromEnv;
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

/** The reason ClickHouse tests are skipped, printed once per file; null when they can run. */
export function clickhouseSkipReason(): string | null {
  if (findClickHouseServer()) return null;
  const reason =
    'ClickHouse tests skipped: no clickhouse-server binary (apt-get install clickhouse-server, ' +
    'or set TOUCHLINE_CLICKHOUSE_SERVER). CI installs it in .ci/run.';
  console.warn(reason);
  return reason;
}

export interface ClickHouseTestServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly dir: string;
  /**
   * Stops the server, data kept for `start()`: SIGTERM (then SIGKILL after 10 s), or with
   * `crash` SIGKILL at once, as a power cut or an OOM kill would.
   */
  stop(options?: { crash?: boolean }): Promise<void>;
  /** Starts it again on the same ports and data. */
  start(): Promise<void>;
  /** Runs SQL over HTTP and returns the text answer. */
  sql(query: string): Promise<string>;
  /** Stops the server and deletes its directory. */
  dispose(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface ServerPorts {
  readonly http: number;
  readonly tcp: number;
  readonly interserver: number;
}

export interface ClickHouseServerOptions {
  /** Ports to use (to name this server in another's cluster before it starts); free ones otherwise. */
  readonly ports?: ServerPorts;
  /**
   * `remote_servers` clusters: name -> per shard, its TCP port, or its replicas' TCP ports (then
   * `internal_replication`: the Replicated* tables copy rows between replicas).
   */
  readonly clusters?: Readonly<Record<string, readonly Shard[]>>;
  /** A ZooKeeper on 127.0.0.1 for Replicated* tables and `ON CLUSTER` DDL. */
  readonly zookeeperPort?: number;
  /** `<macros>`, e.g. `{ shard: '01', replica: 'r1' }`, which the replicated DDL names. */
  readonly macros?: Readonly<Record<string, string>>;
}

/** One shard of a test cluster: a server's TCP port, or the TCP ports of its replicas. */
export type Shard = number | readonly number[];

/** Free ports for a server, reserved by number only (for building a cluster's configs first). */
export async function freeServerPorts(): Promise<ServerPorts> {
  return { http: await freePort(), tcp: await freePort(), interserver: await freePort() };
}

function remoteServersXml(clusters: Readonly<Record<string, readonly Shard[]>>): string {
  const replica = (p: number) => `<replica><host>127.0.0.1</host><port>${p}</port></replica>`;
  const shards = (list: readonly Shard[]) =>
    list
      .map((s) => (typeof s === 'number' ? `<shard>${replica(s)}</shard>` : `<shard><internal_replication>true</internal_replication>${s.map(replica).join('')}</shard>`))
      .join('');
  return `<remote_servers>${Object.entries(clusters)
    .map(([name, ports]) => `<${name}>${shards(ports)}</${name}>`)
    .join('')}</remote_servers>`;
}

/** ZooKeeper, macros and the distributed DDL queue: what a replicated cluster node needs besides `remote_servers`. */
function replicationXml(options: ClickHouseServerOptions): string {
  const macros = Object.entries(options.macros ?? {}).map(([k, v]) => `<${k}>${v}</${k}>`).join('');
  return [
    options.zookeeperPort
      ? `<zookeeper><node><host>127.0.0.1</host><port>${options.zookeeperPort}</port></node><session_timeout_ms>10000</session_timeout_ms></zookeeper>` +
        `<distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>`
      : '',
    macros ? `<macros>${macros}</macros>` : '',
    // replicas fetch parts from each other over the interserver port, at this address
    options.zookeeperPort ? `<interserver_http_host>127.0.0.1</interserver_http_host>` : '',
  ].join('\n  ');
}

function configXml(dir: string, ports: ServerPorts, options: ClickHouseServerOptions = {}): string {
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/log/server.log</log><errorlog>${dir}/log/server.err.log</errorlog><size>10M</size><count>1</count></logger>
  <http_port>${ports.http}</http_port>
  <tcp_port>${ports.tcp}</tcp_port>
  <interserver_http_port>${ports.interserver}</interserver_http_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/data/tmp/</tmp_path>
  <user_files_path>${dir}/data/user_files/</user_files_path>
  <format_schema_path>${dir}/data/format_schemas/</format_schema_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <mlock_executable>false</mlock_executable>
  <max_concurrent_queries>200</max_concurrent_queries>
  ${remoteServersXml(options.clusters ?? {})}
  ${replicationXml(options)}
</yandex>
`;
}

const USERS_XML = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`;

/**
 * Starts a fresh ClickHouse server; throws with its log if it does not answer within 60 s. With
 * ports chosen here, a second attempt on new ports covers a port taken between probe and bind.
 */
export async function startClickHouseServer(options: ClickHouseServerOptions = {}): Promise<ClickHouseTestServer> {
  try {
    return await startOnce(options);
  } catch (err) {
    if (options.ports) throw err;
    return startOnce(options);
  }
}

async function startOnce(options: ClickHouseServerOptions): Promise<ClickHouseTestServer> {
  const bin = findClickHouseServer();
  if (!bin) throw new Error('clickhouse-server is not installed (apt-get install clickhouse-server)');
  const dir = await mkdtemp(join(tmpdir(), 'touchline-ch-'));
  await mkdir(join(dir, 'log'), { recursive: true });
  const ports = options.ports ?? (await freeServerPorts());
  await writeFile(join(dir, 'config.xml'), configXml(dir, ports, options));
  await writeFile(join(dir, 'users.xml'), USERS_XML);
  const url = `http://127.0.0.1:${ports.http}`;
  let child: ChildProcess | null = null;
  let output = '';

  const sql = async (query: string): Promise<string> => {
    const res = await fetch(url, { method: 'POST', body: query, signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    if (!res.ok) throw new Error(`ClickHouse answered ${res.status}: ${text}`);
    return text;
  };

  async function start(): Promise<void> {
    output = '';
    const c = spawn(bin!, [`--config-file=${join(dir, 'config.xml')}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    c.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    c.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (c.exitCode !== null) break;
      try {
        if ((await sql('SELECT 1')).trim() === '1') return;
      } catch {
        /* not yet */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const log = await readFile(join(dir, 'log', 'server.err.log'), 'utf8').catch(() => '');
    await stop();
    throw new Error(
      `clickhouse-server (${bin}) did not answer SELECT 1 on ${url} within 60 s ` +
        `(exit code ${c.exitCode}).\nOutput:\n${output.slice(-2000)}\nError log:\n${log.slice(-4000)}`,
    );
  }

  async function stop(options: { crash?: boolean } = {}): Promise<void> {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill(options.crash ? 'SIGKILL' : 'SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  try {
    await start();
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    dir,
    stop,
    start,
    sql,
    async dispose() {
      await stop({ crash: true });
      await rm(dir, { recursive: true, force: true });
    },
  };
}
