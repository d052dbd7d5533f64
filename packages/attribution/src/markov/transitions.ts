import { createPairTable, type PairTable } from './pair-table.js';

/** Dense up to this many states: 512² doubles = 2 MB. */
export const DENSE_STATES = 512;

/**
 * Transition weights between Markov states (small non-negative integers), added to once per step
 * of every path: the innermost loop of the Markov model.
 *
 * While every state is below {@link DENSE_STATES} the weights live in a dense square matrix, so
 * an update is one multiply-add into a typed array (channel- and source-level chains of every order
 * up to a few hundred states). Past it they move, once, to a sparse table: an open-addressing hash
 * of (from, to) pairs to slots, with the weights in typed arrays, which stays O(transitions).
 * Weights are always added, never set, and every added weight is > 0, so a zero cell is no edge.

 *
 * A class rather than a closure: V8 inlines `add` into the caller's loop only when its state sits
 * in fields of one object shape; a closure's reassigned typed arrays cost a reload and a check on
 * every access, about six times the update itself (measured with the attribution bench).
 */
export class Transitions {
  #side: number;
  #dense: Float64Array | null;
  #count = 0;
  #pairs: PairTable | null = null;
  #weights = new Float64Array(0);
  #fromOf = new Int32Array(0);
  #toOf = new Int32Array(0);

  constructor(readonly denseStates = DENSE_STATES) {
    this.#side = Math.min(64, denseStates);
    this.#dense = new Float64Array(this.#side * this.#side);
  }

  add(from: number, to: number, w: number): void {
    const dense = this.#dense;
    const side = this.#side;
    if (dense !== null && from < side && to < side) {
      const k = from * side + to;
      const x = dense[k] as number;
      if (x === 0) this.#count++;
      dense[k] = x + w;
      return;
    }
    this.#addSlow(from, to, w);
  }

  /** Distinct (from, to) pairs. */
  get count(): number {
    return this.#count;
  }

  forEach(fn: (from: number, to: number, weight: number) => void): void {
    const dense = this.#dense;
    if (dense !== null) {
      forEachDense(dense, this.#side, fn);
      return;
    }
    for (let i = 0; i < this.#count; i++) fn(this.#fromOf[i] as number, this.#toOf[i] as number, this.#weights[i] as number);
  }

  #addSlow(from: number, to: number, w: number): void {
    if (this.#dense !== null) {
      this.#outgrow(Math.max(from, to));
      this.add(from, to, w);
      return;
    }
    const pairs = this.#pairs as PairTable;
    const before = pairs.size;
    const slot = pairs.slot(from, to);
    if (slot === before) {
      if (slot >= this.#weights.length) this.#growSparse();
      this.#fromOf[slot] = from;
      this.#toOf[slot] = to;
      this.#count++;
    }
    this.#weights[slot] = (this.#weights[slot] as number) + w;
  }

  /** A state at or past the matrix: a bigger matrix while allowed, else the sparse table for good. */
  #outgrow(needed: number): void {
    const old = this.#dense as Float64Array;
    const oldSide = this.#side;
    if (needed < this.denseStates) {
      // A quarter more at a time, in multiples of 8: the matrix stays close to the chain's size,
      // so more of it stays in cache (364 states: 1.1 MB rather than 2 MB at the next power of 2).
      const side = Math.min(Math.ceil(Math.max(needed + 1, oldSide * 1.25) / 8) * 8, this.denseStates);
      const m = new Float64Array(side * side);
      for (let from = 0; from < oldSide; from++) m.set(old.subarray(from * oldSide, (from + 1) * oldSide), from * side);
      this.#dense = m;
      this.#side = side;
      return;
    }
    this.#dense = null;
    this.#pairs = createPairTable();
    this.#count = 0;
    forEachDense(old, oldSide, (f, t, x) => this.#addSlow(f, t, x));
  }

  #growSparse(): void {
    const n = Math.max(256, this.#weights.length * 2);
    const w = new Float64Array(n);
    w.set(this.#weights);
    this.#weights = w;
    const f = new Int32Array(n);
    f.set(this.#fromOf);
    this.#fromOf = f;
    const t = new Int32Array(n);
    t.set(this.#toOf);
    this.#toOf = t;
  }
}

function forEachDense(m: Float64Array, n: number, fn: (from: number, to: number, weight: number) => void): void {
  for (let from = 0; from < n; from++) {
    for (let to = 0; to < n; to++) {
      const w = m[from * n + to] as number;
      if (w !== 0) fn(from, to, w);
    }
  }
}
