import type { Interner } from '../interner.js';
import type { PreparedPath } from '../prepared-path.js';
import type { TopPath } from '../result.js';

interface Tally {
  conversions: number;
  value: number;
  nulls: number;
}

/**
 * Conversions per distinct path, for the "top conversion paths" report. Memory is capped at
 * `capacity` distinct paths: when full, the half with the fewest conversions is evicted and the
 * report is marked approximate (the heavy paths, the ones a top-N shows, survive eviction).
 */
export interface TopPaths {
  add(p: PreparedPath): void;
  result(interner: Interner, limit: number): { approximate: boolean; paths: TopPath[] };
  readonly size: number;
}

export function createTopPaths(capacity: number): TopPaths {
  const tallies = new Map<string, Tally>();
  let approximate = false;
  const evict = () => {
    const sorted = [...tallies].sort((a, b) => b[1].conversions - a[1].conversions);
    tallies.clear();
    for (const [k, t] of sorted.slice(0, Math.ceil(capacity / 2))) tallies.set(k, t);
    approximate = true;
  };
  return {
    add(p) {
      let key = '';
      for (let i = 0; i < p.n; i++) key += (i ? ',' : '') + (p.ids[i] as number);
      const t = tallies.get(key);
      if (t) {
        t.conversions += p.conversions;
        t.value += p.value;
        t.nulls += p.nulls;
        return;
      }
      if (tallies.size >= capacity) evict();
      tallies.set(key, { conversions: p.conversions, value: p.value, nulls: p.nulls });
    },
    result(interner, limit) {
      const top = [...tallies]
        .filter(([, t]) => t.conversions > 0)
        .sort((a, b) => b[1].conversions - a[1].conversions || b[1].value - a[1].value)
        .slice(0, limit);
      return {
        approximate,
        paths: top.map(([key, t]) => ({
          path: key === '' ? [] : key.split(',').map((id) => interner.value(Number(id))),
          conversions: t.conversions,
          value: t.value,
          nulls: t.nulls,
        })),
      };
    },
    get size() {
      return tallies.size;
    },
  };
}
