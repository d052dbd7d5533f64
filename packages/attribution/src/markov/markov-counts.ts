import { Transitions } from './transitions.js';

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
  // Dense while the chain is small, sparse past it (transitions.ts): no allocation per update.
  const transitions = new Transitions();
  const numericStates = new Map<number, number>();
  const stringStates = new Map<string, number>();
  const channels: (readonly number[])[] = [[], [], []];
  let lastConv = new Float64Array(64);
  let lastVal = new Float64Array(64);
  let maxPathStates = 0;
  // The path being added (the caller's buffer, read synchronously by stateOf).
  let touches: Int32Array = new Int32Array(0);

  const newState = (members: readonly number[]): number => {
    const s = channels.length;
    channels.push(members);
    return s;
  };

  // Order 1: a channel's state is its id + FIRST_CHANNEL_STATE, so states need no table; the
  // highest one seen bounds them.
  let topState = NULL;

  // State of the tuple touches[from .. from+len), order ≥ 2.
  const stateOf = (from: number, len: number): number => {
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
      let last = START;
      let states = 0;
      if (order === 1) {
        // The hot path of the commonest chain: one typed-array update per step.
        let top = topState;
        for (let i = 0; i < n; i++) {
          const s = (ids[i] as number) + FIRST_CHANNEL_STATE;
          if (s === last) continue;
          transitions.add(last, s, through);
          if (s > top) top = s;
          last = s;
          states++;
        }
        topState = top;
      } else {
        touches = ids;
        const windows = n === 0 ? 0 : n < order ? 1 : n - order + 1;
        for (let i = 0; i < windows; i++) {
          const s = stateOf(i, Math.min(order, n));
          // Windows first, then consecutive identical states merged (not repeats merged first).
          if (s === last) continue;
          transitions.add(last, s, through);
          last = s;
          states++;
        }
      }
      if (states > maxPathStates) maxPathStates = states;
      if (conversions > 0) {
        transitions.add(last, CONVERSION, conversions);
        creditLast(last, conversions, value);
      }
      if (nulls > 0) transitions.add(last, NULL, nulls);
    },
    get stateCount() {
      return order === 1 ? topState + 1 : channels.length;
    },
    get transitionCount() {
      return transitions.count;
    },
    channelsOf: (s) => (order === 1 ? (s >= FIRST_CHANNEL_STATE && s <= topState ? [s - FIRST_CHANNEL_STATE] : []) : (channels[s] ?? [])),
    forEachTransition: (fn) => transitions.forEach(fn),
    lastConversions: (s) => lastConv[s] ?? 0,
    lastValue: (s) => lastVal[s] ?? 0,
    get maxPathStates() {
      return maxPathStates;
    },
  };
}
