import { describe, expect, it } from 'vitest';
import { createInterner } from '../src/interner.js';
import { absorb, buildChain } from '../src/markov/absorbing-chain.js';
import { createMarkovCounts } from '../src/markov/markov-counts.js';
import { removalEffects } from '../src/markov/removal-effects.js';
import { randomPaths } from './random-paths.js';

function chainOf(order: number, seed: number, channels: number, count: number) {
  const interner = createInterner();
  const counts = createMarkovCounts(order);
  for (const p of randomPaths(count, seed, { channels, maxLength: 9 })) {
    const ids = Int32Array.from(p.path.map((c) => interner.id(c)));
    counts.add(ids, ids.length, p.conversions ?? 1, p.value ?? 0, p.nulls ?? 0);
  }
  return { chain: buildChain(counts), counts };
}

describe('absorbing-chain solver', () => {
  it('elimination, Gauss–Seidel and a long finite horizon agree, with and without removals (order 3, > 300 states)', () => {
    const { chain, counts } = chainOf(3, 31, 8, 3000);
    expect(chain.size).toBeGreaterThan(300);
    const masks = [new Uint8Array(chain.size)];
    for (const target of [0, 3]) {
      const m = new Uint8Array(chain.size);
      for (let i = 1; i < chain.size; i++) if (counts.channelsOf(chain.stateOf[i] as number).includes(target)) m[i] = 1;
      masks.push(m);
    }
    for (const removed of masks) {
      const dense = absorb(chain, removed, Infinity, Infinity);
      const iterative = absorb(chain, removed, Infinity, 0);
      const horizon = absorb(chain, removed, 5000);
      expect(dense.conversion).toBeGreaterThan(0);
      expect(iterative.conversion).toBeCloseTo(dense.conversion, 13);
      expect(iterative.value).toBeCloseTo(dense.value, 10);
      expect(horizon.conversion).toBeCloseTo(dense.conversion, 12);
    }
  });

  it('order 1: removal effects from one inversion equal one elimination and one Gauss–Seidel solve per channel', () => {
    const { chain, counts } = chainOf(1, 34, 30, 4000);
    expect(chain.size).toBe(31);
    const inverse = removalEffects(chain, counts, Infinity);
    const eliminated = removalEffects(chain, counts, Infinity, Infinity, 0);
    const iterated = removalEffects(chain, counts, Infinity, 0, 0);
    expect(inverse.effects.size).toBe(30);
    expect(inverse.base.conversion).toBeCloseTo(eliminated.base.conversion, 14);
    for (const [id, re] of eliminated.effects) {
      for (const other of [inverse, iterated]) {
        expect(other.effects.get(id)?.conversions, `channel ${id}`).toBeCloseTo(re.conversions, 12);
        expect(other.effects.get(id)?.value, `channel ${id}`).toBeCloseTo(re.value, 11);
      }
    }
  });

  it('order 2: Gauss–Seidel removal effects equal elimination ones for every channel', () => {
    const { chain, counts } = chainOf(2, 33, 9, 3000);
    expect(chain.size).toBeGreaterThan(40);
    const exact = removalEffects(chain, counts, Infinity, Infinity);
    const iterative = removalEffects(chain, counts, Infinity, 0);
    expect(exact.effects.size).toBe(9);
    for (const [id, re] of exact.effects) {
      expect(iterative.effects.get(id)?.conversions, `channel ${id}`).toBeCloseTo(re.conversions, 12);
      expect(iterative.effects.get(id)?.value, `channel ${id}`).toBeCloseTo(re.value, 11);
    }
  });

  it('removing a channel can only lower P(conversion)', () => {
    const { chain, counts } = chainOf(2, 32, 6, 1000);
    const base = absorb(chain, new Uint8Array(chain.size), Infinity).conversion;
    for (let c = 0; c < 6; c++) {
      const m = new Uint8Array(chain.size);
      for (let i = 1; i < chain.size; i++) if (counts.channelsOf(chain.stateOf[i] as number).includes(c)) m[i] = 1;
      expect(absorb(chain, m, Infinity).conversion).toBeLessThan(base);
    }
  });

  it('higher-order states are the sliding windows of the raw path, consecutive identical states then merged', () => {
    const counts = createMarkovCounts(2);
    counts.add(Int32Array.from([0, 0, 1, 2]), 4, 1, 0, 0); // A A B C → (A,A) (A,B) (B,C): the repeat stays in a window
    counts.add(Int32Array.from([5]), 1, 1, 0, 0); // shorter than k: one state
    counts.add(Int32Array.from([0, 0, 0, 1]), 4, 1, 0, 0); // (A,A) (A,A) (A,B) → (A,A) (A,B)
    const states = Array.from({ length: counts.stateCount - 3 }, (_, i) => counts.channelsOf(i + 3));
    expect(states).toEqual([[0, 0], [0, 1], [1, 2], [5]]);
    expect(counts.maxPathStates).toBe(3);
    const edges: string[] = [];
    counts.forEachTransition((from, to, w) => edges.push(`${from}>${to}:${w}`));
    // (start)=0, (conversion)=1; (A,A)=3, (A,B)=4, (B,C)=5, (F)=6. No (A,A)→(A,A) self-loop.
    expect(edges.sort()).toEqual(['0>3:2', '0>6:1', '3>4:2', '4>1:1', '4>5:1', '5>1:1', '6>1:1'].sort());
  });
});
