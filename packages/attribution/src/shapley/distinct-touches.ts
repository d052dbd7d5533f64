/**
 * Finds the distinct ids of a path and how often each occurs, with a stamp array instead of a Set:
 * no allocation per path. A class so the per-touch calls inline (see credit-table.ts).
 */
export class DistinctTouches {
  #stamp = new Int32Array(64);
  #occ = new Int32Array(64);
  #distinct = new Int32Array(16);
  #round = 0;

  /** Fills `distinct[0..k)` and the occurrences of each id for the path; returns k. */
  scan(ids: Int32Array, n: number): number {
    const round = ++this.#round;
    if (this.#distinct.length < n) this.#distinct = new Int32Array(Math.max(n, this.#distinct.length * 2));
    const distinct = this.#distinct;
    let k = 0;
    for (let i = 0; i < n; i++) {
      const id = ids[i] as number;
      if (id >= this.#stamp.length) this.#grow(id);
      const stamp = this.#stamp;
      const occ = this.#occ;
      if (stamp[id] !== round) {
        stamp[id] = round;
        occ[id] = 0;
        distinct[k++] = id;
      }
      occ[id] = (occ[id] as number) + 1;
    }
    return k;
  }

  /** The distinct ids of the last scanned path, in `[0, k)`. */
  get distinct(): Int32Array {
    return this.#distinct;
  }

  /** Occurrences of an id in the last scanned path. */
  occurrences(id: number): number {
    return this.#occ[id] ?? 0;
  }

  #grow(id: number): void {
    let size = this.#stamp.length;
    while (size <= id) size *= 2;
    const s = new Int32Array(size);
    s.set(this.#stamp);
    this.#stamp = s;
    const o = new Int32Array(size);
    o.set(this.#occ);
    this.#occ = o;
  }
}

export function createDistinctTouches(): DistinctTouches {
  return new DistinctTouches();
}
