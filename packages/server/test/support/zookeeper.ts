import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './process.js';

/**
 * A standalone ZooKeeper for tests (Debian's `zookeeper` package, run with the system Java): its
 * own scratch directory and a free port on 127.0.0.1, nothing from /etc used. CI installs it in
 * scripts/test.sh; without it the cluster test is skipped with a printed reason.
 */
const JAR = process.env['TOUCHLINE_ZOOKEEPER_JAR'] ?? '/usr/share/java/zookeeper.jar';
const JAVA = '/usr/bin/java';

export function zookeeperSkipReason(): string | null {
  if (existsSync(JAR) && existsSync(JAVA)) return null;
  const reason = `ZooKeeper tests skipped: no ${JAR} or ${JAVA} (apt-get install zookeeper; scripts/test.sh does)`;
  console.warn(reason);
  return reason;
}

export interface TestZooKeeper {
  readonly port: number;
  dispose(): Promise<void>;
}

/** Answers ZooKeeper's `srvr` four-letter command: the server is serving. */
function serving(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    let text = '';
    const s = connect(port, '127.0.0.1', () => s.write('srvr'));
    s.on('data', (d: Buffer) => (text += d.toString()));
    s.on('close', () => resolve(text.includes('Mode: standalone')));
    s.on('error', () => resolve(false));
    s.setTimeout(1_000, () => s.destroy());
  });
}

export async function startZooKeeper(): Promise<TestZooKeeper> {
  const dir = await mkdtemp(join(tmpdir(), 'touchline-zk-'));
  await mkdir(join(dir, 'data'));
  const port = await freePort();
  await writeFile(
    join(dir, 'zoo.cfg'),
    [`tickTime=500`, `dataDir=${dir}/data`, `clientPort=${port}`, `clientPortAddress=127.0.0.1`, `admin.enableServer=false`, `4lw.commands.whitelist=srvr`].join('\n') + '\n',
  );
  const child: ChildProcess = spawn(JAVA, ['-Xmx256m', '-cp', JAR, 'org.apache.zookeeper.server.ZooKeeperServerMain', join(dir, 'zoo.cfg')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };
  const deadline = Date.now() + 60_000;
  while (!(await serving(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      await rm(dir, { recursive: true, force: true });
      throw new Error(`ZooKeeper (${JAR}) did not serve on 127.0.0.1:${port} within 60 s:\n${output.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    port,
    async dispose() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
