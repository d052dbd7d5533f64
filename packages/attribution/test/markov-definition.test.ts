import { describe, expect, it } from 'vitest';
import { attribute, seededRandom, type ModelResult } from '../src/index.js';
import { pathStates, referenceMarkov, toNumber, type ReferenceAnswer, type ReferencePath } from './markov-reference.js';

/**
 * Small random path sets with many repeats (where the order-k definitions part ways), integer
 * counts and values (ChannelAttribution's input), some empty paths.
 */
function randomSet(seed: number, withNulls: boolean, maxLength = 6): ReferencePath[] {
  const random = seededRandom(seed);
  const pick = (n: number) => Math.floor(random() * n);
  const channels = ['A', 'B', 'C', 'D'].slice(0, 2 + pick(3));
  const out: ReferencePath[] = [];
  const count = 4 + pick(11);
  for (let i = 0; i < count; i++) {
    const length = random() < 0.08 ? 0 : 1 + pick(maxLength);
    const path: string[] = [];
    for (let t = 0; t < length; t++) path.push(t > 0 && random() < 0.45 ? (path[t - 1] as string) : (channels[pick(channels.length)] as string));
    const conversions = withNulls ? pick(3) : 1 + pick(3);
    const nulls = withNulls ? (conversions === 0 ? 1 + pick(2) : pick(3)) : 0;
    out.push({ path, conversions, nulls, value: conversions > 0 ? pick(301) : 0 });
  }
  // At least one conversion through a channel, so P(conversion) > 0.
  out.push({ path: [channels[0] as string], conversions: 1, nulls: 0, value: 10 });
  return out;
}

const close = (actual: number | undefined, expected: number, what: string) => {
  expect(actual, what).toBeTypeOf('number');
  expect(Math.abs((actual as number) - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
};

function expectSame(m: ModelResult, ref: ReferenceAnswer, label: string): void {
  expect(Object.keys(m.credits).sort(), `${label} credited`).toEqual([...ref.credits.keys()].sort());
  for (const [k, c] of ref.credits) {
    close(m.credits[k]?.conversions, toNumber(c.conversions), `${label} ${k} conversions`);
    close(m.credits[k]?.value, toNumber(c.value), `${label} ${k} value`);
  }
  expect(Object.keys(m.removal_effects ?? {}).sort(), `${label} removal effects`).toEqual([...ref.removalEffects.keys()].sort());
  for (const [k, re] of ref.removalEffects) {
    close(m.removal_effects?.[k]?.conversions, toNumber(re.conversions), `${label} RE ${k}`);
    close(m.removal_effects?.[k]?.value, toNumber(re.value), `${label} value RE ${k}`);
  }
  close(m.p_conversion?.conversions, toNumber(ref.pConversion), `${label} P(conversion)`);
  close(m.p_conversion?.value, toNumber(ref.pValue), `${label} value P(conversion)`);
}

const markov = (paths: readonly ReferencePath[], order: number, params = {}) =>
  attribute(paths, [{ model: 'markov', order }], params).models[0] as ModelResult;

describe('Markov order k as ChannelAttribution defines it, against an exact reference solver', () => {
  it('states: windows of k raw touches, a shorter path one state, consecutive identical states merged', () => {
    expect(pathStates(['A', 'A', 'B'], 2)).toEqual([['A', 'A'], ['A', 'B']]);
    expect(pathStates(['A', 'A', 'A', 'B'], 2)).toEqual([['A', 'A'], ['A', 'B']]);
    expect(pathStates(['A', 'A'], 3)).toEqual([['A', 'A']]);
    expect(pathStates(['A', 'A', 'B', 'B'], 1)).toEqual([['A'], ['B']]);
    // The engine's chain, through its transition table: (A,A) is a state, with no self-loop.
    const m = markov([{ path: ['A', 'A', 'A', 'B'], conversions: 1, value: 0, nulls: 0 }], 2, { markov: { transitions: true } });
    expect(m.transitions).toEqual({ '(start)': { 'A > A': 1 }, 'A > A': { 'A > B': 1 }, 'A > B': { '(conversion)': 1 } });
  });

  for (const order of [1, 2, 3, 4]) {
    for (const withNulls of [false, true]) {
      it(`order ${order}, ${withNulls ? 'with' : 'without'} non-converting paths: 30 random path sets, both empty-path policies`, () => {
        for (let seed = 1; seed <= 30; seed++) {
          // Longer paths at higher orders, so repeats land inside windows of k.
          const paths = randomSet(1000 * order + seed + (withNulls ? 500 : 0), withNulls, 4 + order);
          const emptyPaths = seed % 2 === 0 ? 'direct' : 'redistribute';
          const ref = referenceMarkov(paths, { order, emptyPaths });
          expectSame(markov(paths, order, { markov: { emptyPaths } }), ref, `seed ${seed} (${emptyPaths})`);
        }
      });
    }
  }

  it("ChannelAttribution's max_step truncation, orders 1–3, against the reference's finite horizon", () => {
    for (const order of [1, 2, 3]) {
      for (let seed = 1; seed <= 12; seed++) {
        const paths = randomSet(7000 + 100 * order + seed, seed % 3 !== 0);
        const ref = referenceMarkov(paths, { order, emptyPaths: 'direct', maxSteps: 'channelattribution' });
        const m = markov(paths, order, { markov: { truncation: 'channelattribution' } });
        expect(m.max_step, `order ${order} seed ${seed}`).toBe(ref.maxSteps);
        expectSame(m, ref, `order ${order} seed ${seed} truncated`);
      }
    }
  });

  it('tells the definitions apart: merging repeated channels before forming the windows gives other answers', () => {
    // What Touchline did before: collapse A>A>B to A>B, then take windows. The random sets are
    // rich in repeats, so that answer must differ on most of them at order ≥ 2, and the engine
    // must agree with the reference's definition, not with it.
    let differ = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const paths = randomSet(9000 + seed, true);
      const collapsed = paths.map((p) => ({ ...p, path: p.path.filter((c, i) => c !== p.path[i - 1]) }));
      const proper = referenceMarkov(paths, { order: 2, emptyPaths: 'direct' });
      const old = referenceMarkov(collapsed, { order: 2, emptyPaths: 'direct' });
      const gap = Math.max(...[...proper.credits].map(([k, c]) => Math.abs(toNumber(c.conversions) - toNumber(old.credits.get(k)?.conversions ?? c.conversions))));
      if (gap > 1e-6) differ++;
      expectSame(markov(paths, 2), proper, `seed ${seed}`);
    }
    expect(differ).toBeGreaterThanOrEqual(10);
  });
});
