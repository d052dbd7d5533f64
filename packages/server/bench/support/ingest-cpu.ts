/**
 * What the ingest step costs the main thread per event, in process: the same batches of 100
 * Segment events go through `createIngest` as the server composes it (validation, redaction at its
 * default, touch stamping against the SQLite store, row building, dedup) with the spool's append
 * stubbed, so that only CPU work is measured. The baseline, in the same round, is `JSON.parse` of
 * the same body: the one step no ingest can skip. CPU time (process.cpuUsage), not wall time: on
 * a shared machine it is the steadier figure.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRecentIds } from '../../src/collector/dedup.js';
import type { RequestFacts } from '../../src/collector/event-row.js';
import { createIngest } from '../../src/collector/ingest.js';
import { createUserAgentParser } from '../../src/collector/user-agent.js';
import { eventRedaction, PrivacyConfigSchema } from '../../src/privacy/privacy-config.js';
import type { Spool } from '../../src/spool/spool.js';
import { openSqliteTouchStore } from '../../src/tracker-endpoint/sqlite-touch-store.js';
import { createTouchStamping } from '../../src/tracker-endpoint/visitor-stamps.js';

export interface IngestCpu {
  /** CPU µs per event of JSON.parse of the body alone, per round. */
  readonly parseUs: readonly number[];
  /** CPU µs per event of JSON.parse and the ingest step, per round. */
  readonly ingestUs: readonly number[];
}

const cpuUs = (from: NodeJS.CpuUsage): number => {
  const c = process.cpuUsage(from);
  return c.user + c.system;
};

/** `body` is a `{"batch": [...]}` request body; `batches` requests per round. */
export async function ingestCpu(body: string, batches: number, rounds: number): Promise<IngestCpu> {
  const dir = await mkdtemp(join(tmpdir(), 'touchline-bench-ingest-cpu-'));
  const store = openSqliteTouchStore({ path: join(dir, 'touches.sqlite') });
  try {
    const spool = { append: async () => undefined } as unknown as Spool;
    const redact = eventRedaction(PrivacyConfigSchema.parse({}));
    const ingest = createIngest({
      spool, parseUserAgent: createUserAgentParser(), newMessageId: randomUUID, ipTruncation: 'none', maxEventBytes: 32 * 1024,
      recent: createRecentIds(1_000_000, 3_600_000), touches: createTouchStamping(store, { siteDomains: [], sessionTimeoutMs: 30 * 60_000 }),
      ...(redact ? { redact } : {}),
    });
    const facts = (): RequestFacts => ({ sourceId: 'src_bench', endpoint: '/v1/batch', requestId: randomUUID(), receivedAt: new Date().toISOString(), ip: '203.0.113.9', userAgent: 'bench', gpc: false });
    const events = batches * (JSON.parse(body) as { batch: unknown[] }).batch.length;
    const parseUs: number[] = [];
    const ingestUs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      let from = process.cpuUsage();
      for (let b = 0; b < batches; b++) JSON.parse(body);
      parseUs.push(cpuUs(from) / events);
      from = process.cpuUsage();
      for (let b = 0; b < batches; b++) await ingest((JSON.parse(body) as { batch: unknown[] }).batch, facts());
      ingestUs.push(cpuUs(from) / events);
    }
    return { parseUs, ingestUs };
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}
