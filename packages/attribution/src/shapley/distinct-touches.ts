/**
 * Finds the distinct ids of a path and how often each occurs, with a stamp array instead of a Set:
 * no allocation per path.
 */
export interface DistinctTouches {
  /** Fills `distinct[0..k)` and `occurrences[id]` for the path; returns k. */
  scan(ids: Int32Array, n: number): number;
  readonly distinct: Int32Array;
  /** Occurrences of an id in the last scanned path. */
  occurrences(id: number): number;
}

export function createDistinctTouches(): DistinctTouches {
  let stamp = new Int32Array(64);
  let occ = new Int32Array(64);
  let distinct = new Int32Array(16);
  let round = 0;
  return {
    scan(ids, n) {
      round++;
      if (distinct.length < n) distinct = new Int32Array(Math.max(n, distinct.length * 2));
      let k = 0;
      for (let i = 0; i < n; i++) {
        const id = ids[i] as number;
        if (id >= stamp.length) {
          let size = stamp.length;
          while (size <= id) size *= 2;
          const s = new Int32Array(size);
          s.set(stamp);
          stamp = s;
          const o = new Int32Array(size);
          o.set(occ);
          occ = o;
        }
        if (stamp[id] !== round) {
          stamp[id] = round;
          occ[id] = 0;
          distinct[k++] = id;
        }
        occ[id] = (occ[id] as number) + 1;
      }
      return k;
    },
    get distinct() {
      return distinct;
    },
    occurrences: (id) => occ[id] ?? 0,
  };
}
