import type { PreparedPath } from '../prepared-path.js';
import type { TopPaths } from './top-paths.js';

interface Entry {
  readonly ids: Int32Array;
  readonly conversions: number;
  readonly value: number;
  readonly nulls: number;
}

const lighter = (a: Entry, b: Entry) => a.conversions < b.conversions || (a.conversions === b.conversions && a.value < b.value);

/**
 * Top paths when every distinct path arrives once (identical paths aggregated in SQL, the server's
 * case): a min-heap of the `limit` heaviest records, O(log limit) per path and no per-path table.
 * Exact under that promise; if the same path arrives twice it is listed twice.
 */
export function createTopDistinctPaths(limit: number): TopPaths {
  const heap: Entry[] = [];
  const swap = (i: number, j: number) => {
    const t = heap[i] as Entry;
    heap[i] = heap[j] as Entry;
    heap[j] = t;
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && lighter(heap[l] as Entry, heap[m] as Entry)) m = l;
      if (r < heap.length && lighter(heap[r] as Entry, heap[m] as Entry)) m = r;
      if (m === i) return;
      swap(i, m);
      i = m;
    }
  };
  const up = (i: number) => {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!lighter(heap[i] as Entry, heap[parent] as Entry)) return;
      swap(i, parent);
      i = parent;
    }
  };
  return {
    add(p: PreparedPath) {
      if (limit === 0 || p.conversions <= 0) return;
      const min = heap[0];
      if (heap.length === limit && min && (p.conversions < min.conversions || (p.conversions === min.conversions && p.value <= min.value))) return;
      const entry = { ids: p.ids.slice(0, p.n), conversions: p.conversions, value: p.value, nulls: p.nulls };
      if (heap.length < limit) {
        heap.push(entry);
        up(heap.length - 1);
      } else {
        heap[0] = entry;
        down(0);
      }
    },
    result(interner, n) {
      const sorted = [...heap].sort((a, b) => b.conversions - a.conversions || b.value - a.value).slice(0, n);
      return {
        approximate: false,
        paths: sorted.map((e) => ({ path: Array.from(e.ids, (id) => interner.value(id)), conversions: e.conversions, value: e.value, nulls: e.nulls })),
      };
    },
    get size() {
      return heap.length;
    },
  };
}
