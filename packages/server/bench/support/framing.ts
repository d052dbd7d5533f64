/**
 * What checksummed spool records cost: the same server writing the same rows framed (what ships)
 * and unframed (the earlier newline-delimited format, kept as a spool option for this baseline),
 * in the same run, alternating, and the encoding alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { encodeRecords } from '../../src/spool/record-format.js';
import { BIN, freePort, waitForExit } from '../../test/support/process.js';

const DIST = join(dirname(BIN), '../dist');

// `touchline start` minus its banner, with the spool's record format and commit slots as the variables.
const LAUNCHER = `
const [dist, dataDir, port, recordFormat, commitSlots] = process.argv.slice(1);
const { resolveConfig } = await import(dist + '/config/config.js');
const { startTouchline } = await import(dist + '/server.js');
const config = resolveConfig({ dataDir, port: Number(port), host: '127.0.0.1' }, process.env, {});
const t = await startTouchline(config, { spoolRecordFormat: recordFormat, spoolCommitSlots: Number(commitSlots), log: () => undefined });
process.on('SIGTERM', () => void t.close().then(() => process.exit(0)));`;

export type RecordFormat = 'framed' | 'ndjson';

export interface BenchServer {
  readonly url: string;
  /**
   * CPU seconds the server process has used (user + system, all threads): on a shared machine
   * CPU per request varies far less than requests per second.
   */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** utime + stime of a process from /proc (Linux), in seconds at the usual 100 ticks a second. */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Starts the built server in a child process on a fresh data dir, writing `recordFormat` with
 * `commitSlots` spool commits in flight (1: the earlier serial commit path; the default is 2).
 */
export async function startWithRecordFormat(recordFormat: RecordFormat, env: Record<string, string>, commitSlots = 2): Promise<BenchServer> {
  const dir = await mkdtemp(join(tmpdir(), `touchline-bench-${recordFormat}-`));
  const port = await freePort();
  const args = ['--input-type=module', '-e', LAUNCHER, DIST, dir, String(port), recordFormat, String(commitSlots)];
  const proc: ChildProcess = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    proc.kill('SIGTERM');
    await waitForExit(proc);
    await rm(dir, { recursive: true, force: true });
  };
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    if (proc.exitCode !== null) break;
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) return { url, stop, cpuSeconds: () => cpuSecondsOf(proc.pid!) };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`the ${recordFormat} bench server did not start`);
}

export interface EncodeFigure {
  /** ns per row: framed records, and the unframed line the baseline writes. */
  readonly framedNs: number;
  readonly unframedNs: number;
  /** Framed records carrying their request id in the field section (what the collector writes). */
  readonly framedWithIdNs: number;
}

/**
 * Encoding alone, rows per append as given: `encodeRecords` against the unframed spool's
 * `Buffer.from(lines.join('\n') + '\n')`, alternated over several rounds; the best round of each,
 * in CPU time of this process (less disturbed than wall time by other work on the machine).
 */
export function measureEncode(line: string, rowsPerAppend: number, rows = 200_000): EncodeFigure {
  const lines = Array.from({ length: rowsPerAppend }, () => line);
  const appends = Math.max(1, Math.floor(rows / rowsPerAppend));
  let sink = 0;
  const time = (fn: () => Buffer) => {
    const t = process.cpuUsage();
    for (let i = 0; i < appends; i++) sink += fn().length;
    const used = process.cpuUsage(t);
    return ((used.user + used.system) * 1000) / (appends * rowsPerAppend);
  };
  const framed = () => encodeRecords(lines);
  const unframed = () => Buffer.from(lines.join('\n') + '\n', 'utf8');
  const withId = () => encodeRecords(lines, { requestId: '5f2a9c1e-1k2' });
  time(framed); // warm up every path
  time(unframed);
  time(withId);
  let framedNs = Infinity;
  let unframedNs = Infinity;
  let framedWithIdNs = Infinity;
  for (let round = 0; round < 5; round++) {
    framedNs = Math.min(framedNs, time(framed));
    unframedNs = Math.min(unframedNs, time(unframed));
    framedWithIdNs = Math.min(framedWithIdNs, time(withId));
  }
  if (sink === 0) throw new Error('nothing encoded');
  return { framedNs, unframedNs, framedWithIdNs };
}
