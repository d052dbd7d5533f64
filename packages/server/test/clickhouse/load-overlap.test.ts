import { describe, expect, it } from 'vitest';
import { BulkFormat, type EncodedRows } from '../../src/warehouse/clickhouse/clickhouse-bulk.js';
import { TimestampFlavor } from '../../src/warehouse/clickhouse/clickhouse-features.js';
import { loadBatch, type LoadPort } from '../../src/warehouse/clickhouse/clickhouse-load.js';
import { STORE } from '../../src/warehouse/clickhouse/clickhouse-schema.js';

/**
 * The loader encodes the next INSERT body while the server stores the previous one. What a user
 * relies on: never more than one body in flight (memory stays bounded), and no checkpoint before
 * every INSERT of the batch is acknowledged (a crash never loses an acknowledged event). The
 * server's answers are held here so the order can be seen; the real server's side is
 * test/clickhouse/load-path.test.ts and outage.test.ts.
 */
const lines = (n: number) =>
  Array.from({ length: n }, (_, i) => `{"kind":"event","message_id":"m${i}","source_id":"s","received_at":"2026-03-01T00:00:00.000Z"}`);

function heldPort(log: string[]) {
  const answers: { resolve: () => void; reject: (e: Error) => void }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const port: LoadPort = {
    flavor: TimestampFlavor.IsoString,
    bulk: { format: BulkFormat.RowBinary, rows: 10_000 },
    insert: async (table, rows) => void log.push(`insert ${table} ${rows.length}`),
    insertEncoded: (table: string, rows: EncodedRows) => {
      log.push(`send ${table} ${rows.rows}`);
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      return new Promise<void>((resolve, reject) => {
        answers.push({
          resolve: () => {
            inFlight--;
            log.push(`acknowledged ${rows.rows}`);
            resolve();
          },
          reject,
        });
      });
    },
    loadedIds: async (ids) => {
      log.push(`lookup ${ids.length}`);
      return new Set();
    },
    checkpoint: async (_c, seq) => void log.push(`checkpoint ${seq}`),
  };
  return { port, answers, maxInFlight: () => maxInFlight };
}

const batch = (n: number) => ({ collectorId: 'c', rows: async function* () { yield lines(n); }, lastSeq: 7, dedupWindowMs: 86_400_000 });
const settle = () => new Promise((r) => setImmediate(r));

describe('overlapping INSERT bodies', () => {
  it('keeps one body in flight and checkpoints only after every INSERT is acknowledged', async () => {
    const log: string[] = [];
    const { port, answers, maxInFlight } = heldPort(log);
    const done = loadBatch(port, batch(25_000));
    // Acknowledge each body only once the loader is waiting on it.
    for (let acked = 0; acked < 3; acked++) {
      while (answers.length <= acked) await settle();
      for (let i = 0; i < 5; i++) await settle();
      expect(log).not.toContain('checkpoint 7');
      answers[acked]!.resolve();
    }
    await expect(done).resolves.toMatchObject({ events: 25_000 });
    expect(maxInFlight()).toBe(1);
    const order = log.filter((l) => !l.startsWith(`insert ${STORE.identities}`));
    expect(order).toEqual([
      'lookup 10000',
      `send ${STORE.events} 10000`,
      // the next chunk is read and encoded while the first body is stored
      'lookup 10000',
      'acknowledged 10000',
      `insert ${STORE.eventIds} 10000`,
      `send ${STORE.events} 10000`,
      'lookup 5000',
      'acknowledged 10000',
      `insert ${STORE.eventIds} 10000`,
      `send ${STORE.events} 5000`,
      'acknowledged 5000',
      `insert ${STORE.eventIds} 5000`,
      'checkpoint 7',
    ]);
  });

  it('fails the batch without a checkpoint when a body in flight is refused', async () => {
    const log: string[] = [];
    const { port, answers } = heldPort(log);
    const done = loadBatch(port, batch(25_000));
    while (answers.length === 0) await settle();
    answers[0]!.reject(new Error('ClickHouse: insert into events_store failed: Code: 241, memory limit'));
    await expect(done).rejects.toThrow(/memory limit/);
    expect(log.filter((l) => l.startsWith('checkpoint') || l.includes(STORE.eventIds))).toEqual([]);
  });
});
