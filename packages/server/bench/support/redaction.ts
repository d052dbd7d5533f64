/**
 * What redaction at ingest costs: the same server with `privacy.redaction.enabled` on and off, in
 * the same run, alternating (ABBA…), on /v1/batch of 100 events; and in process, building a row
 * with and without redacting the event first, for an ordinary event and one full of PII.
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { SegmentEvent } from '@touchline/protocol';
import { buildEventRow, type RequestFacts, type RowBuilderDeps } from '../../src/collector/event-row.js';
import { createUserAgentParser } from '../../src/collector/user-agent.js';
import { eventRedaction, PrivacyConfigSchema } from '../../src/privacy/privacy-config.js';
import { BIN, freePort, waitForExit } from '../../test/support/process.js';

const DIST = join(dirname(BIN), '../dist');
const LAUNCHER = `
const [dist, dataDir, port, redaction] = process.argv.slice(1);
const { resolveConfig } = await import(dist + '/config/config.js');
const { startTouchline } = await import(dist + '/server.js');
const config = resolveConfig({ dataDir, port: Number(port), host: '127.0.0.1', privacy: { redaction: { enabled: redaction === 'on' } } }, process.env, {});
const t = await startTouchline(config, { log: () => undefined });
process.on('SIGTERM', () => void t.close().then(() => process.exit(0)));`;

const cpuSecondsOf = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

async function server(redaction: 'on' | 'off', env: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), `touchline-bench-redaction-${redaction}-`));
  const port = await freePort();
  const proc: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', LAUNCHER, DIST, dir, String(port), redaction], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    proc.kill('SIGTERM');
    await waitForExit(proc);
    await rm(dir, { recursive: true, force: true });
  };
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) return { url, stop, cpu: () => cpuSecondsOf(proc.pid!) };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`the redaction-${redaction} bench server did not start`);
}

/** ns per event in process: build the row, with the redaction first or not; best of 5 rounds, CPU time. */
function inProcess(e: SegmentEvent, n = 50_000): { plainNs: number; redactedNs: number } {
  const redact = eventRedaction(PrivacyConfigSchema.parse({}))!;
  const deps: RowBuilderDeps = { parseUserAgent: createUserAgentParser(), newMessageId: () => 'm', ipTruncation: 'none', maxEventBytes: 32_000 };
  const req: RequestFacts = { sourceId: 's', endpoint: '/v1/track', requestId: 'r', receivedAt: new Date().toISOString(), ip: '203.0.113.9', userAgent: undefined, gpc: false };
  let sink = 0;
  const time = (fn: () => number) => {
    const t = process.cpuUsage();
    for (let i = 0; i < n; i++) sink += fn();
    const u = process.cpuUsage(t);
    return ((u.user + u.system) * 1000) / n;
  };
  const plain = () => (buildEventRow(e, req, deps) as { line?: string }).line?.length ?? 0;
  const redacted = () => (buildEventRow(redact(e), req, deps) as { line?: string }).line?.length ?? 0;
  time(plain);
  time(redacted);
  let plainNs = Infinity;
  let redactedNs = Infinity;
  for (let round = 0; round < 5; round++) {
    plainNs = Math.min(plainNs, time(plain));
    redactedNs = Math.min(redactedNs, time(redacted));
  }
  if (sink === 0) throw new Error('nothing built');
  return { plainNs, redactedNs };
}

export async function redactionCost(o: { auth: string; env: Record<string, string>; batch: string; event: SegmentEvent; duration: number; connections: number; rounds: number }): Promise<void> {
  console.log(`\nredaction at ingest: /v1/batch of 100, the same server with privacy.redaction on and off, ${o.rounds} alternating pair(s)`);
  const runs: Record<'on' | 'off', { rate: number; cpuPerK: number }[]> = { on: [], off: [] };
  for (let round = 0; round < o.rounds; round++) {
    for (const mode of (round % 2 === 0 ? ['on', 'off'] : ['off', 'on']) as ('on' | 'off')[]) {
      const s = await server(mode, o.env);
      try {
        const cpu = s.cpu();
        const r = await autocannon({ url: `${s.url}/v1/batch`, method: 'POST', headers: { authorization: o.auth, 'content-type': 'application/json' }, body: o.batch, connections: o.connections, duration: o.duration });
        runs[mode].push({ rate: r.requests.average * 100, cpuPerK: ((s.cpu() - cpu) * 1e6) / Math.max(1, r['2xx'] * 100) });
      } finally {
        await s.stop();
      }
    }
  }
  const mean = (m: 'on' | 'off', f: (x: { rate: number; cpuPerK: number }) => number) => runs[m].reduce((n, x) => n + f(x), 0) / runs[m].length;
  for (let i = 0; i < o.rounds; i++) console.log(`  pair ${i + 1}: on ${Math.round(runs.on[i]!.rate)} events/s, off ${Math.round(runs.off[i]!.rate)} events/s, ratio ${(runs.on[i]!.rate / runs.off[i]!.rate).toFixed(3)}`);
  console.log(
    `redaction on / off, batched ingest: throughput ${(mean('on', (x) => x.rate) / mean('off', (x) => x.rate)).toFixed(3)}, ` +
      `server CPU per event ${(mean('on', (x) => x.cpuPerK) / mean('off', (x) => x.cpuPerK)).toFixed(3)}`,
  );
  const pii: SegmentEvent = {
    ...o.event,
    properties: { ...(o.event.properties ?? {}), note: 'call +44 20 7946 0958 or write to ada@example.com', card: '4111 1111 1111 1111' },
    context: { ...(o.event.context ?? {}), page: { url: 'https://www.shop.test/reset?token=abc123&email=ada%40example.com&utm_source=google&gclid=Cj0', referrer: 'https://mail.example/?u=ada@example.com', title: 'Reset for ada@example.com' } },
  } as SegmentEvent;
  for (const [name, e] of [['ordinary event', o.event], ['event full of PII', pii]] as const) {
    const f = inProcess(e);
    console.log(`  in process, ${name}: row ${f.plainNs.toFixed(0)} ns, redaction + row ${f.redactedNs.toFixed(0)} ns (ratio ${(f.redactedNs / f.plainNs).toFixed(2)})`);
  }
}
