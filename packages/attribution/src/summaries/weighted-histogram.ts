import type { Distribution } from '../result.js';

/** Conversions per integer key (days, touch counts): O(distinct keys) memory, exact quantiles. */
export interface WeightedHistogram {
  add(key: number, weight: number): void;
  summary(): Distribution;
  entries(): [number, number][];
}

/** Keys below this land in a typed array (no hashing per path); larger ones in a Map. */
const DENSE_KEYS = 1024;

export function createWeightedHistogram(): WeightedHistogram {
  const dense = new Float64Array(DENSE_KEYS);
  const sparse = new Map<number, number>();
  // Running sums live in a typed array: a double in a closure variable is re-boxed on every update.
  const acc = new Float64Array(2);
  const entries = (): [number, number][] => {
    const out: [number, number][] = [];
    for (let k = 0; k < DENSE_KEYS; k++) if ((dense[k] as number) > 0) out.push([k, dense[k] as number]);
    return out.concat([...sparse]).sort((a, b) => a[0] - b[0]);
  };
  const quantile = (q: number, sorted: [number, number][]) => {
    let seen = 0;
    for (const [k, c] of sorted) {
      seen += c;
      if (seen >= q * (acc[0] as number)) return k;
    }
    return Number.NaN;
  };
  return {
    add(key, weight) {
      if (weight <= 0) return;
      if (key >= 0 && key < DENSE_KEYS) dense[key] = (dense[key] as number) + weight;
      else sparse.set(key, (sparse.get(key) ?? 0) + weight);
      acc[0] = (acc[0] as number) + weight;
      acc[1] = (acc[1] as number) + key * weight;
    },
    summary() {
      const sorted = entries();
      const total = acc[0] as number;
      const sum = acc[1] as number;
      return {
        conversions: total,
        mean: total > 0 ? sum / total : Number.NaN,
        median: total > 0 ? quantile(0.5, sorted) : Number.NaN,
        p90: total > 0 ? quantile(0.9, sorted) : Number.NaN,
      };
    },
    entries,
  };
}
