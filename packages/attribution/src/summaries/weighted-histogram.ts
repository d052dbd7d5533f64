import type { Distribution } from '../result.js';

/** Conversions per integer key (days, touch counts): O(distinct keys) memory, exact quantiles. */
export interface WeightedHistogram {
  add(key: number, weight: number): void;
  summary(): Distribution;
  entries(): [number, number][];
}

export function createWeightedHistogram(): WeightedHistogram {
  const counts = new Map<number, number>();
  let total = 0;
  let sum = 0;
  const entries = () => [...counts].sort((a, b) => a[0] - b[0]);
  const quantile = (q: number, sorted: [number, number][]) => {
    let seen = 0;
    for (const [k, c] of sorted) {
      seen += c;
      if (seen >= q * total) return k;
    }
    return Number.NaN;
  };
  return {
    add(key, weight) {
      if (weight <= 0) return;
      counts.set(key, (counts.get(key) ?? 0) + weight);
      total += weight;
      sum += key * weight;
    },
    summary() {
      const sorted = entries();
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
