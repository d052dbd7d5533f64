import { describe, expect, it } from 'vitest';
import { attribute, shapleyValues, type ModelResult, type PathInput } from '../src/index.js';
import { randomPaths } from './random-paths.js';

/**
 * The brute-force games below take every path as given, `(direct)` included: the engine is run
 * with `direct: 'credit'` to match (GA4's default, leaving direct out, is tested in direct.test.ts).
 */
const CREDIT_DIRECT = { direct: 'credit' } as const;

/** Players, and R(T) per distinct channel set, computed here independently of the engine. */
function coalitions(paths: PathInput[]) {
  const players = [...new Set(paths.flatMap((p) => ((p.conversions ?? 1) > 0 ? p.path : [])))].sort();
  const sets = new Map<number, { conversions: number; value: number }>();
  for (const p of paths) {
    if (p.path.length === 0 || (p.conversions ?? 1) === 0) continue;
    let mask = 0;
    for (const c of p.path) mask |= 1 << players.indexOf(c);
    const s = sets.get(mask) ?? { conversions: 0, value: 0 };
    s.conversions += p.conversions ?? 1;
    s.value += p.value ?? 0;
    sets.set(mask, s);
  }
  const maskOf = (coalition: readonly number[]) => coalition.reduce((m, i) => m | (1 << i), 0);
  return { players, sets, maskOf };
}

describe('Shapley value (Zhao, Mahboobi & Bagheri 2018, arXiv:1804.05327)', () => {
  it('simplified Shapley: the closed form Σ R(T)/|T| equals brute-force Shapley of v(S) = Σ_{T⊆S} R(T)', () => {
    const paths = randomPaths(400, 21, { channels: 7 }).filter((p) => p.path.length > 0);
    const { players, sets, maskOf } = coalitions(paths);
    const v = (key: 'conversions' | 'value') => (coalition: readonly number[]) => {
      const s = maskOf(coalition);
      let total = 0;
      for (const [t, r] of sets) if ((t & s) === t) total += r[key];
      return total;
    };
    const brute = shapleyValues(players.length, v('conversions'));
    const bruteValue = shapleyValues(players.length, v('value'));
    expect(brute.exact).toBe(true);
    const [m] = attribute(paths, ['shapley'], CREDIT_DIRECT).models as [ModelResult];
    players.forEach((p, i) => {
      expect(m.credits[p]?.conversions, p).toBeCloseTo(brute.values[i] as number, 9);
      expect(m.credits[p]?.value, p).toBeCloseTo(bruteValue.values[i] as number, 7);
    });
  });

  it('exact-set characteristic: the engine’s closed form equals brute force, and Σφ = v(N)', () => {
    const paths = randomPaths(400, 22, { channels: 5, maxLength: 6 }).filter((p) => p.path.length > 0);
    const { players, sets, maskOf } = coalitions(paths);
    const brute = shapleyValues(players.length, (c) => sets.get(maskOf(c))?.conversions ?? 0);
    const [m] = attribute(paths, ['shapley'], { ...CREDIT_DIRECT, shapley: { characteristic: 'exact' } }).models as [ModelResult];
    expect(m.characteristic).toBe('exact');
    players.forEach((p, i) => expect(m.credits[p]?.conversions, p).toBeCloseTo(brute.values[i] as number, 9));
    const all = sets.get((1 << players.length) - 1)?.conversions ?? 0;
    expect(Object.values(m.credits).reduce((s, c) => s + c.conversions, 0)).toBeCloseTo(all, 9);
  });

  it('permutation sampling beyond the exact limit approximates the exact value, reproducibly', () => {
    const paths = randomPaths(3000, 23, { channels: 14, maxLength: 9 }).filter((p) => p.path.length > 0);
    const { players, sets, maskOf } = coalitions(paths);
    expect(players.length).toBe(14);
    const v = (c: readonly number[]) => {
      const s = maskOf(c);
      let total = 0;
      for (const [t, r] of sets) if ((t & s) === t) total += r.conversions;
      return total;
    };
    const sampled = shapleyValues(players.length, v, { exactMaxPlayers: 12, samples: 4000, seed: 5 });
    expect(sampled.exact).toBe(false);
    expect(shapleyValues(players.length, v, { exactMaxPlayers: 12, samples: 4000, seed: 5 }).values).toEqual(sampled.values);
    const [m] = attribute(paths, ['shapley'], CREDIT_DIRECT).models as [ModelResult];
    const total = Object.values(m.credits).reduce((s, c) => s + c.conversions, 0);
    // Efficiency holds exactly for every sampled permutation.
    expect(sampled.values.reduce((s, x) => s + x, 0)).toBeCloseTo(total, 6);
    players.forEach((p, i) => expect(Math.abs((sampled.values[i] as number) - (m.credits[p]?.conversions ?? 0)), p).toBeLessThan(0.02 * total));
  });

  it('ordered Shapley splits a channel’s share over its occurrences (corrected formula): A, A, B', () => {
    const [m] = attribute([{ path: ['A', 'A', 'B'], conversions: 1, value: 10 }], ['ordered_shapley']).models as [ModelResult];
    expect(m.positions).toEqual({ A: [0.25, 0.25], B: [0, 0, 0.5] });
    expect(m.credits).toEqual({ A: { conversions: 0.5, value: 5 }, B: { conversions: 0.5, value: 5 } });
  });

  it('simplified Shapley counts a repeated channel once per path', () => {
    const [m] = attribute([{ path: ['A', 'A', 'A', 'B'], conversions: 2 }], ['shapley']).models as [ModelResult];
    expect(m.credits).toEqual({ A: { conversions: 1, value: 0 }, B: { conversions: 1, value: 0 } });
  });

  it('general Shapley: a two-player glove game splits evenly; a dummy player gets 0', () => {
    expect(shapleyValues(2, (s) => (s.length === 2 ? 1 : 0)).values).toEqual([0.5, 0.5]);
    const phi = shapleyValues(3, (s) => (s.includes(0) && s.includes(1) ? 6 : 0)).values;
    expect(phi[0]).toBeCloseTo(3, 14);
    expect(phi[2]).toBeCloseTo(0, 14);
  });
});
