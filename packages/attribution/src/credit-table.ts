/**
 * Conversions and value credited per level-value id, in two growable typed arrays: O(distinct
 * values) memory whatever the number of paths, and no allocation per credit.
 *
 * A class rather than a closure (STYLE prefers closures): every model credits every touch of
 * every path here, and V8 inlines `add` into each model's loop only when the typed arrays sit in
 * fields of one object shape; in a closure, reassigned arrays cost a reload and a check on each
 * access (the `--paths` bench measured the difference).
 */
export class CreditTable {
  #conv: Float64Array;
  #val: Float64Array;
  #length = 0;

  constructor(initial = 64) {
    this.#conv = new Float64Array(initial);
    this.#val = new Float64Array(initial);
  }

  add(id: number, conversions: number, value: number): void {
    if (id >= this.#conv.length) this.#grow(id);
    const conv = this.#conv;
    const val = this.#val;
    conv[id] = (conv[id] as number) + conversions;
    val[id] = (val[id] as number) + value;
    if (id >= this.#length) this.#length = id + 1;
  }

  conversions(id: number): number {
    return this.#conv[id] ?? 0;
  }

  value(id: number): number {
    return this.#val[id] ?? 0;
  }

  /** One past the highest id ever credited. */
  get length(): number {
    return this.#length;
  }

  #grow(id: number): void {
    let n = this.#conv.length;
    while (n <= id) n *= 2;
    const c = new Float64Array(n);
    c.set(this.#conv);
    const v = new Float64Array(n);
    v.set(this.#val);
    this.#conv = c;
    this.#val = v;
  }
}

export function createCreditTable(initial = 64): CreditTable {
  return new CreditTable(initial);
}
