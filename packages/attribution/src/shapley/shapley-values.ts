import { seededRandom } from './seeded-random.js';

/** Enumeration stores v for all 2^n coalitions: 24 players is 16M values (128 MB), the sane limit. */
const MAX_ENUMERATED = 24;

export interface ShapleyOptions {
  /** Up to this many players every coalition is enumerated (exact); at most 24 (2^24 coalitions). @defaultValue 12 */
  readonly exactMaxPlayers?: number;
  /** Permutations sampled beyond `exactMaxPlayers`. @defaultValue 20000 */
  readonly samples?: number;
  /** Seed of the sampling RNG. @defaultValue 1 */
  readonly seed?: number;
}

/** Shapley values and whether they were estimated. */
export interface ShapleyAnswer {
  readonly values: number[];
  readonly exact: boolean;
}

/**
 * The Shapley value of any game over players `0..n−1`, `v` taking a coalition as a sorted array of
 * player indexes: φ_i = Σ_{S ⊆ N∖{i}} |S|!(n−|S|−1)!/n! · (v(S∪{i}) − v(S)).
 *
 * Exact (every coalition, 2^n evaluations of v) up to `exactMaxPlayers`; beyond, the average
 * marginal contribution over `samples` random permutations (Castro et al. 2009), seeded so a run
 * repeats. The sampled estimate is unbiased and still efficient (each permutation's marginals sum
 * to v(N) − v(∅)); its error shrinks as 1/√samples.
 *
 * @example
 * ```ts
 * shapleyValues(2, (s) => (s.length === 2 ? 1 : 0)).values; // [0.5, 0.5]
 * ```
 */
export function shapleyValues(n: number, v: (coalition: readonly number[]) => number, opts: ShapleyOptions = {}): ShapleyAnswer {
  const exactMax = Math.min(opts.exactMaxPlayers ?? 12, MAX_ENUMERATED);
  if (n <= exactMax) return { values: enumerate(n, v), exact: true };
  return { values: sample(n, v, opts.samples ?? 20_000, opts.seed ?? 1), exact: false };
}

function enumerate(n: number, v: (c: readonly number[]) => number): number[] {
  const total = 2 ** n;
  const value = new Float64Array(total);
  const members: number[] = [];
  for (let mask = 0; mask < total; mask++) {
    members.length = 0;
    for (let i = 0; i < n; i++) if (mask & (1 << i)) members.push(i);
    value[mask] = v(members);
  }
  // weight[s] = s!(n−s−1)!/n!
  const weight: number[] = [];
  for (let s = 0; s < n; s++) weight.push(1 / (n * binomial(n - 1, s)));
  const phi = new Array<number>(n).fill(0);
  for (let mask = 0; mask < total; mask++) {
    const size = popcount(mask);
    for (let i = 0; i < n; i++) {
      if (mask & (1 << i)) continue;
      phi[i] = (phi[i] as number) + (weight[size] as number) * ((value[mask | (1 << i)] as number) - (value[mask] as number));
    }
  }
  return phi;
}

function sample(n: number, v: (c: readonly number[]) => number, samples: number, seed: number): number[] {
  const random = seededRandom(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  const phi = new Array<number>(n).fill(0);
  const empty = v([]);
  for (let s = 0; s < samples; s++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = order[i] as number;
      order[i] = order[j] as number;
      order[j] = t;
    }
    const coalition: number[] = [];
    let before = empty;
    for (const player of order) {
      insertSorted(coalition, player);
      const after = v(coalition);
      phi[player] = (phi[player] as number) + after - before;
      before = after;
    }
  }
  return phi.map((x) => x / samples);
}

function insertSorted(list: number[], x: number): void {
  let i = list.length;
  list.push(x);
  while (i > 0 && (list[i - 1] as number) > x) {
    list[i] = list[i - 1] as number;
    i--;
  }
  list[i] = x;
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

function popcount(x: number): number {
  let c = 0;
  while (x) {
    x &= x - 1;
    c++;
  }
  return c;
}
