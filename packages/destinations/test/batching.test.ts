import { describe, expect, it } from 'vitest';
import { planBatches, type BatchRule } from '@touchline/destinations';

const rule = (over: Partial<BatchRule> = {}): BatchRule => ({ maxItems: 3, maxBytes: 1000, envelopeBytes: 0, distinctKeys: false, source: 'test', ...over });
const item = (ref: number, dedupKey: string, size = 10) => ({ ref, dedupKey, payload: 'x'.repeat(size) });

describe('planBatches', () => {
  it('fills batches up to maxItems, keeping order', () => {
    const plan = planBatches([0, 1, 2, 3, 4].map((i) => item(i, `k${i}`)), rule());
    expect(plan.batches.map((b) => b.map((i) => i.ref))).toEqual([[0, 1, 2], [3, 4]]);
  });

  it('splits on bytes and sets aside items too large to ever send', () => {
    const plan = planBatches([item(0, 'a', 450), item(1, 'b', 450), item(2, 'c', 2000)], rule({ maxBytes: 900, envelopeBytes: 50 }));
    expect(plan.batches.map((b) => b.map((i) => i.ref))).toEqual([[0], [1]]);
    expect(plan.oversized.map((i) => i.ref)).toEqual([2]);
  });

  it('never puts one key twice in a batch when the vendor forbids it', () => {
    const plan = planBatches([item(0, 'a'), item(1, 'b'), item(2, 'a'), item(3, 'c')], rule({ maxItems: 10, distinctKeys: true }));
    expect(plan.batches.map((b) => b.map((i) => i.ref))).toEqual([[0, 1], [2, 3]]);
  });
});
