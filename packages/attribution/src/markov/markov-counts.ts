/**
 * Transition counts of the order-k Markov chain, accumulated path by path. Memory is
 * O(states + distinct transitions), whatever the number of paths.
 *
 * States: 0 = (start), 1 = (conversion), 2 = (null), then one per channel (order 1) or per k-tuple
 * of consecutive touches (order k), as ChannelAttribution defines them: the sliding windows of k
 * consecutive touches *as they occurred*, repeats included (a path shorter than k is one state),
 * then consecutive identical states merged (`ichannel != ichannel_old`). So at order 2 A>A>B is
 * (A,A)→(A,B), and A>A>A>B is (A,A)→(A,B) too. At order 1 this is collapsing repeated channels,
 * to which first order is insensitive anyway.
 */
export const START = 0;
export const CONVERSION = 1;
export const NULL = 2;
const FIRST_CHANNEL_STATE = 3;
/** Tuples of channel ids < 8191 pack into one number (8192^4 = 2^52 < 2^53). */
const TUPLE_BASE = 8192;

export interface MarkovCounts {
  readonly order: number;
  /** Adds one (aggregated) path of channel ids; `n = 0` is an empty path. */
  add(ids: Int32Array, n: number, conversions: number, value: number, nulls: number): void;
  /** Number of states, absorbing ones included. */
  readonly stateCount: number;
  readonly transitionCount: number;
  /** The channels (level-value ids) a state stands for; empty for start/conversion/null. */
  channelsOf(state: number): readonly number[];
  /** Every transition with its weight. */
  forEachTransition(fn: (from: number, to: number, weight: number) => void): void;
  /** Conversions and value whose last state before (conversion) was `state`. */
  lastConversions(state: number): number;
  lastValue(state: number): number;
  /** The most states any observed path passed through (for ChannelAttribution's max_step). */
  readonly maxPathStates: number;
}

export function createMarkovCounts(order: number): MarkovCounts {
  // Transitions: per source state a Map from target state to a slot; weights in a typed array.
  // Small-integer keys and unboxed weights keep the per-edge update allocation-free.
  const rows: (Map<number, number> | undefined)[] = [];
  let weights = new Float64Array(256);
  let fromOf = new Int32Array(256);
  let toOf = new Int32Array(256);
  let slots = 0;
  const numericStates = new Map<number, number>();
  const stringStates = new Map<string, number>();
  const channels: (readonly number[])[] = [[], [], []];
  let lastConv = new Float64Array(64);
  let lastVal = new Float64Array(64);
  let maxPathStates = 0;
  // The path being added (the caller's buffer, read synchronously by stateOf).
  let touches: Int32Array = new Int32Array(0);

  const edge = (from: number, to: number, w: number) => {
    let row = rows[from];
    if (row === undefined) {
      while (rows.length < from) rows.push(undefined);
      rows[from] = row = new Map();
    }
    let slot = row.get(to);
    if (slot === undefined) {
      slot = slots++;
      row.set(to, slot);
      if (slot >= weights.length) {
        const grow = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
          const b = make(a.length * 2);
          b.set(a);
          return b;
        };
        weights = grow(weights, (n) => new Float64Array(n));
        fromOf = grow(fromOf, (n) => new Int32Array(n));
        toOf = grow(toOf, (n) => new Int32Array(n));
      }
      fromOf[slot] = from;
      toOf[slot] = to;
    }
    weights[slot] = (weights[slot] as number) + w;
  };

  const newState = (members: readonly number[]): number => {
    const s = channels.length;
    channels.push(members);
    return s;
  };

  // State of the tuple touches[from .. from+len).
  const stateOf = (from: number, len: number): number => {
    if (order === 1) {
      const id = touches[from] as number;
      const s = id + FIRST_CHANNEL_STATE;
      while (channels.length <= s) channels.push([channels.length - FIRST_CHANNEL_STATE]);
      return s;
    }
    let key = 0;
    let packable = true;
    for (let i = from; i < from + len; i++) {
      const id = (touches[i] as number) + 1;
      if (id >= TUPLE_BASE) packable = false;
      key = key * TUPLE_BASE + id;
    }
    if (packable) {
      let s = numericStates.get(key);
      if (s === undefined) {
        s = newState(Array.from(touches.subarray(from, from + len)));
        numericStates.set(key, s);
      }
      return s;
    }
    const text = touches.subarray(from, from + len).join(',');
    let s = stringStates.get(text);
    if (s === undefined) {
      s = newState(Array.from(touches.subarray(from, from + len)));
      stringStates.set(text, s);
    }
    return s;
  };

  const creditLast = (s: number, conversions: number, value: number) => {
    if (s >= lastConv.length) {
      let n = lastConv.length;
      while (n <= s) n *= 2;
      const c = new Float64Array(n);
      c.set(lastConv);
      const v = new Float64Array(n);
      v.set(lastVal);
      lastConv = c;
      lastVal = v;
    }
    lastConv[s] = (lastConv[s] as number) + conversions;
    lastVal[s] = (lastVal[s] as number) + value;
  };

  return {
    order,
    add(ids, n, conversions, value, nulls) {
      const through = conversions + nulls;
      if (through <= 0) return;
      touches = ids;
      let last = START;
      let states = 0;
      const windows = n === 0 ? 0 : n < order ? 1 : n - order + 1;
      for (let i = 0; i < windows; i++) {
        const s = stateOf(i, Math.min(order, n));
        // Windows first, then consecutive identical states merged (not repeats merged first).
        if (s === last) continue;
        edge(last, s, through);
        last = s;
        states++;
      }
      if (states > maxPathStates) maxPathStates = states;
      if (conversions > 0) {
        edge(last, CONVERSION, conversions);
        creditLast(last, conversions, value);
      }
      if (nulls > 0) edge(last, NULL, nulls);
    },
    get stateCount() {
      return channels.length;
    },
    get transitionCount() {
      return slots;
    },
    channelsOf: (s) => channels[s] ?? [],
    forEachTransition(fn) {
      for (let i = 0; i < slots; i++) fn(fromOf[i] as number, toOf[i] as number, weights[i] as number);
    },
    lastConversions: (s) => lastConv[s] ?? 0,
    lastValue: (s) => lastVal[s] ?? 0,
    get maxPathStates() {
      return maxPathStates;
    },
  };
}
