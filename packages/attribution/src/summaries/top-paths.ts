import type { Interner } from '../interner.js';
import type { PreparedPath } from '../prepared-path.js';
import type { TopPath } from '../result.js';

interface Tally {
  readonly ids: Int32Array;
  conversions: number;
  value: number;
  nulls: number;
  /** Next tally with the same hash (collisions are chained, then compared id by id). */
  next: Tally | undefined;
}

/**
 * Conversions per distinct path, for the "top conversion paths" report. Paths are keyed by a
 * numeric hash of their ids (no string built per path; collisions chained and compared exactly).
 * Memory is capped at `capacity` distinct paths: when full, the half with the fewest conversions is
 * evicted and the report is marked approximate (the heavy paths, the ones a top-N shows, survive).
 */
export interface TopPaths {
  add(p: PreparedPath): void;
  result(interner: Interner, limit: number): { approximate: boolean; paths: TopPath[] };
  readonly size: number;
}

function hashIds(ids: Int32Array, n: number): number {
  let h = 0x811c9dc5 ^ n;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ (ids[i] as number), 0x01000193);
  h ^= h >>> 15;
  // 30 bits: a small integer, which V8's Map hashes fastest (collisions are chained anyway).
  return h & 0x3fffffff;
}

function same(t: Tally, ids: Int32Array, n: number): boolean {
  if (t.ids.length !== n) return false;
  for (let i = 0; i < n; i++) if (t.ids[i] !== ids[i]) return false;
  return true;
}

export function createTopPaths(capacity: number): TopPaths {
  const buckets = new Map<number, Tally>();
  let size = 0;
  let approximate = false;
  return {
    add(p) {
      const h = hashIds(p.ids, p.n);
      for (let t = buckets.get(h); t; t = t.next) {
        if (!same(t, p.ids, p.n)) continue;
        t.conversions += p.conversions;
        t.value += p.value;
        t.nulls += p.nulls;
        return;
      }
      if (size >= capacity) {
        size = evictLightest(buckets, size, Math.ceil(capacity / 2));
        approximate = true;
      }
      const t: Tally = { ids: p.ids.slice(0, p.n), conversions: p.conversions, value: p.value, nulls: p.nulls, next: buckets.get(h) };
      buckets.set(h, t);
      size++;
    },
    result: (interner, limit) => ({ approximate, paths: topTallies(buckets, limit).map((t) => topPath(t, interner)) }),
    get size() {
      return size;
    },
  };
}

/** The `limit` tallies with the most conversions (then value), converting ones only. */
function topTallies(buckets: Map<number, Tally>, limit: number): Tally[] {
  const all: Tally[] = [];
  for (const head of buckets.values()) for (let t: Tally | undefined = head; t; t = t.next) all.push(t);
  return all
    .filter((t) => t.conversions > 0)
    .sort((a, b) => b.conversions - a.conversions || b.value - a.value)
    .slice(0, limit);
}

function topPath(t: Tally, interner: Interner): TopPath {
  return { path: Array.from(t.ids, (id) => interner.value(id)), conversions: t.conversions, value: t.value, nulls: t.nulls };
}

/**
 * Keeps the `keep` heaviest of the `size` tallies (ties at the threshold kept in bucket order),
 * found by selection (O(size)), not by sorting; returns how many are left.
 */
function evictLightest(buckets: Map<number, Tally>, size: number, keep: number): number {
  const counts = new Float64Array(size);
  let i = 0;
  for (const head of buckets.values()) for (let t: Tally | undefined = head; t; t = t.next) counts[i++] = t.conversions;
  const threshold = kthLargest(counts, keep);
  let atThreshold = keep;
  for (const c of counts) if (c > threshold) atThreshold--;
  let left = 0;
  for (const [h, head] of buckets) {
    let first: Tally | undefined;
    let last: Tally | undefined;
    for (let t: Tally | undefined = head; t; t = t.next) {
      const kept = t.conversions > threshold || (t.conversions === threshold && atThreshold-- > 0);
      if (!kept) continue;
      if (last) last.next = t;
      else first = t;
      last = t;
      left++;
    }
    if (last) last.next = undefined;
    if (first) buckets.set(h, first);
    else buckets.delete(h);
  }
  return left;
}

/** The k-th largest value (1-based) by quickselect; reorders `xs`. */
function kthLargest(xs: Float64Array, k: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = xs[(lo + hi) >> 1] as number;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((xs[i] as number) > pivot) i++;
      while ((xs[j] as number) < pivot) j--;
      if (i <= j) {
        const t = xs[i] as number;
        xs[i] = xs[j] as number;
        xs[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  return xs[target] as number;
}
