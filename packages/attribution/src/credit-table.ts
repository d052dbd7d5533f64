/**
 * Conversions and value credited per level-value id, in two growable typed arrays: O(distinct
 * values) memory whatever the number of paths, and no allocation per credit.
 */
export interface CreditTable {
  add(id: number, conversions: number, value: number): void;
  /**
   * Credits `shares[i]` of the conversions and value to `ids[i]` for i < n, in one call: the rule
   * models' inner loop (every touch of every path) runs here on the typed arrays directly.
   */
  addShares(ids: ArrayLike<number>, shares: ArrayLike<number>, n: number, conversions: number, value: number): void;
  conversions(id: number): number;
  value(id: number): number;
  /** One past the highest id ever credited. */
  readonly length: number;
}

export function createCreditTable(initial = 64): CreditTable {
  let conv = new Float64Array(initial);
  let val = new Float64Array(initial);
  let length = 0;
  const grow = (id: number) => {
    let n = conv.length;
    while (n <= id) n *= 2;
    const c = new Float64Array(n);
    c.set(conv);
    const v = new Float64Array(n);
    v.set(val);
    conv = c;
    val = v;
  };
  return {
    add(id, conversions, value) {
      if (id >= conv.length) grow(id);
      conv[id] = (conv[id] as number) + conversions;
      val[id] = (val[id] as number) + value;
      if (id >= length) length = id + 1;
    },
    addShares(ids, shares, n, conversions, value) {
      for (let i = 0; i < n; i++) {
        const share = shares[i] as number;
        if (share === 0) continue;
        const id = ids[i] as number;
        if (id >= conv.length) grow(id);
        conv[id] = (conv[id] as number) + share * conversions;
        val[id] = (val[id] as number) + share * value;
        if (id >= length) length = id + 1;
      }
    },
    conversions: (id) => conv[id] ?? 0,
    value: (id) => val[id] ?? 0,
    get length() {
      return length;
    },
  };
}
