/**
 * Touch stamping bench: what stamping every SDK's events with their visitor's first / last touch
 * costs the ingest step. In one process, the same batches of 100 Segment events (a third of them
 * page views with UTMs and click ids, the rest tracks on those pages; 5,000 visitors) go through
 * `createIngest` without stamping (the baseline) and with it, against the SQLite touch store (the
 * embedded default) and the in-memory one, rounds interleaved so that the machine's noise hits
 * every variant alike. The spool is real (fsync per batch), as on the request path.
 *
 *   npm run bench -- touch-stamps
 *
 * BENCH_BATCHES (default 300 per variant and round), BENCH_ROUNDS (default 3).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRecentIds } from '../src/collector/dedup.js';
import type { RequestFacts } from '../src/collector/event-row.js';
import { createIngest, type Ingest } from '../src/collector/ingest.js';
import { createUserAgentParser } from '../src/collector/user-agent.js';
import { openSpool } from '../src/spool/spool.js';
import { openSqliteTouchStore } from '../src/tracker-endpoint/sqlite-touch-store.js';
import { memoryTouchStore, type TouchStore } from '../src/tracker-endpoint/touch-store.js';
import { createTouchStamping } from '../src/tracker-endpoint/visitor-stamps.js';

const BATCHES = Number(process.env['BENCH_BATCHES'] ?? 300);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const SAFARI = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';

let seq = 0;
function batch(): Record<string, unknown>[] {
  return Array.from({ length: 100 }, () => {
    const i = seq++;
    const url = `https://www.shop.test/p/${i % 200}?utm_source=google&utm_medium=cpc&utm_campaign=c${i % 7}&gclid=Cj0KCQiA${i % 997}`;
    const common = { messageId: randomUUID(), anonymousId: `anon-${i % 5000}`, timestamp: new Date().toISOString(), context: { page: { url, referrer: 'https://www.google.com/' }, userAgent: SAFARI } };
    return i % 3 === 0 ? { type: 'page', ...common } : { type: 'track', event: 'Product Viewed', properties: { sku: `sku-${i % 200}` }, ...common };
  });
}

const facts = (): RequestFacts => ({ sourceId: 'src_bench', endpoint: '/v1/batch', requestId: randomUUID(), receivedAt: new Date().toISOString(), ip: '203.0.113.9', userAgent: 'analytics-node-next/latest', gpc: false });

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'touchline-bench-stamps-'));
  try {
    const { spool } = await openSpool({ dir: join(dir, 'spool'), maxBytes: 8 * 1024 ** 3, segmentBytes: 64 * 1024 ** 2, rollIntervalMs: 60_000 }, null);
    const deps = { spool, parseUserAgent: createUserAgentParser(), newMessageId: randomUUID, ipTruncation: 'none' as const, maxEventBytes: 32 * 1024 };
    const rules = { siteDomains: [], sessionTimeoutMs: 30 * 60_000 };
    const sqlite = openSqliteTouchStore({ path: join(dir, 'touches.sqlite') });
    const memory = memoryTouchStore();
    const variants: [string, Ingest, TouchStore | undefined][] = [
      ['no stamping (baseline)', createIngest({ ...deps, recent: createRecentIds(1_000_000, 3600_000) }), undefined],
      ['stamping, SQLite store', createIngest({ ...deps, recent: createRecentIds(1_000_000, 3600_000), touches: createTouchStamping(sqlite, rules) }), sqlite],
      ['stamping, memory store', createIngest({ ...deps, recent: createRecentIds(1_000_000, 3600_000), touches: createTouchStamping(memory, rules) }), memory],
    ];
    const ms = new Map<string, number>(variants.map(([name]) => [name, 0]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, ingest] of variants) {
        const batches = Array.from({ length: BATCHES }, batch);
        const t = performance.now();
        for (const b of batches) await ingest(b, facts());
        ms.set(name, ms.get(name)! + performance.now() - t);
      }
    }
    const base = ms.get(variants[0]![0])!;
    const events = BATCHES * ROUNDS * 100;
    console.log(`touch stamping: ${ROUNDS} rounds x ${BATCHES} batches of 100 events per variant, interleaved; spool fsync per batch`);
    console.log('variant                    events/s   time relative to the baseline');
    for (const [name] of variants) {
      const t = ms.get(name)!;
      console.log(`${name.padEnd(26)} ${String(Math.round((events / t) * 1000)).padStart(8)}   ${(t / base).toFixed(2)}x`);
    }
    await sqlite.close();
    await spool.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
