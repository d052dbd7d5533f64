import { createRetryPolicy, type BatchItem, type BatchRule, type RowResult } from '@touchline/destinations';
import { describe, expect, it } from 'vitest';
import { judgeBatch, type Policies } from '../../src/activation/engine/batch-verdict.js';
import { admit, createQueue, nextBatch, queueIsolation, scheduleRetries, settle, type QueuedItem } from '../../src/activation/engine/delivery-queue.js';

// random 0.5: the backoff is half its ceiling, so every delay below is a known number.
const policies = (maxAttempts = 3): Policies => ({
  retry: createRetryPolicy({ maxAttempts, baseDelayMs: 100, maxDelayMs: 10_000, random: () => 0.5 }),
  throttle: createRetryPolicy({ maxAttempts: maxAttempts * 4, baseDelayMs: 100, maxDelayMs: 10_000, random: () => 0.5 }),
});

function fixture(n: number) {
  const q = createQueue<null>();
  const items = Array.from({ length: n }, (_, id) => admit(q, id, { key: `k${id}`, op: 'add', row: {}, tag: null }, { ref: id, dedupKey: `d${id}`, payload: { id } }));
  items.forEach((i) => (i.sends = 1));
  const batch: BatchItem<unknown>[] = items.map((i) => i.batchItem);
  const itemOf = (b: BatchItem<unknown>): QueuedItem<null> => q.items.get(Number(b.ref))!;
  return { q, items, batch, itemOf };
}
const result = (ref: number, over: Partial<RowResult<unknown>>): RowResult<unknown> => ({ ref, status: 'delivered', dedupKey: `d${ref}`, ...over });

describe('the verdict on an answered request', () => {
  it('final rows settle; failed rows go again together after the longest wait; a missing row is retried', () => {
    const { batch, itemOf } = fixture(4);
    const v = judgeBatch(
      batch,
      [result(0, {}), result(1, { status: 'rejected', code: 'INVALID_EMAIL' }), result(2, { status: 'retryable', retryAfterMs: 2000 })],
      itemOf, policies(), 'hubspot',
    );
    expect(v.settled.map((i) => i.id)).toEqual([0, 1]);
    expect(v.retry.map((i) => i.id)).toEqual([2, 3]);
    // Row 2: the vendor's 2000 ms plus half a base delay; row 3 (no result): half of 100 ms. Together: the longer.
    expect(v.retryDelayMs).toBe(2050);
    expect(v.outcomes.map((o) => [o.row.key, o.final, o.retryInMs ?? null, o.result.code ?? null])).toEqual([
      ['k0', 'delivered', null, null],
      ['k1', 'rejected', null, 'INVALID_EMAIL'],
      ['k2', null, 2050, null],
      ['k3', null, 2050, 'NO_RESULT'],
    ]);
    expect(v.outcomes[3]!.result.reason).toBe('hubspot returned no result for this row');
    expect([v.pauses, v.isolate, v.fatal]).toEqual([[], [], null]);
  });

  it('a throttled row pauses the gate for the vendor\'s wait and counts against four times the attempts', () => {
    const { batch, itemOf, items } = fixture(1);
    items[0]!.throttles = 10;
    const again = judgeBatch(batch, [result(0, { status: 'rate_limited', retryAfterMs: 1000 })], itemOf, policies(3), 'hubspot');
    expect([again.pauses, again.retryDelayMs, items[0]!.throttles, items[0]!.retries]).toEqual([[1000], 1050, 11, 0]);
    const spent = judgeBatch(batch, [result(0, { status: 'rate_limited', reason: 'HTTP 429' })], itemOf, policies(3), 'hubspot');
    expect(spent.outcomes[0]).toMatchObject({ final: 'failed', result: { reason: 'HTTP 429; gave up after 12 attempts (maxAttempts 12)' } });
    expect(spent.pauses).toEqual([]);
  });

  it('rows of a refused atomic batch are isolated; a batch of one is final', () => {
    const two = fixture(2);
    const v = judgeBatch(two.batch, [0, 1].map((i) => result(i, { status: 'rejected', isolate: true })), two.itemOf, policies(), 'meta-capi');
    expect([v.isolate.map((b) => b.ref), v.settled, v.outcomes.map((o) => o.final)]).toEqual([[0, 1], [], [null, null]]);
    const one = fixture(1);
    expect(judgeBatch(one.batch, [result(0, { status: 'rejected', isolate: true })], one.itemOf, policies(), 'meta-capi').outcomes[0]!.final).toBe('rejected');
  });

  it('a whole request refused for credentials: every row failed (not refused), and the delivery stops', () => {
    const { batch, itemOf } = fixture(2);
    const v = judgeBatch(batch, [0, 1].map((i) => result(i, { status: 'rejected', code: 'RECONNECT_REQUIRED', reason: 'grant revoked' })), itemOf, policies(), 'hubspot');
    expect(v.outcomes.map((o) => o.final)).toEqual(['failed', 'failed']);
    expect(v.settled).toHaveLength(2);
    expect(v.fatal).toMatch(/^grant revoked \(the destination has no usable credentials/);
  });
});

describe('the delivery queue', () => {
  const rule: BatchRule = { maxItems: 2, maxBytes: 1_000_000, envelopeBytes: 0, distinctKeys: false, source: 'the test' };
  it('sends isolation halves first, then due retries, then fresh batches; a key in flight waits', () => {
    const { q, items } = fixture(5);
    q.fresh.push([items[3]!.batchItem]);
    scheduleRetries(q, [0, 1, 2], 1000);
    queueIsolation(q, [items[4]!.batchItem]);
    expect(nextBatch(q, 0, rule)!.map((b) => b.ref)).toEqual([4]);
    // Retries not due yet: the fresh batch goes, unless its key is in flight.
    q.inFlightKeys.add('d3');
    expect(nextBatch(q, 999, rule)).toBeNull();
    q.inFlightKeys.clear();
    expect(nextBatch(q, 999, rule)!.map((b) => b.ref)).toEqual([3]);
    // Due: the first batch within the vendor's item limit, the rest stays due.
    expect(nextBatch(q, 1000, rule)!.map((b) => b.ref)).toEqual([0, 1]);
    expect(nextBatch(q, 1000, rule)!.map((b) => b.ref)).toEqual([2]);
    expect(nextBatch(q, 5000, rule)).toBeNull();
    items.forEach((i) => settle(q, i));
    expect([q.items.size, q.queuedRows]).toEqual([0, 0]);
  });
  it('isolation splits in halves, the first half first', () => {
    const { q, batch } = fixture(5);
    queueIsolation(q, batch);
    expect(q.isolation.map((h) => h.map((b) => b.ref))).toEqual([[0, 1, 2], [3, 4]]);
  });
});
