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
  const tuples = createTupleStates();
  const last = createLastCredits();
  const walk: Walk = { last: START, states: 0, topState: NULL };
  let maxPathStates = 0;
  return {
    order,
    add(ids, n, conversions, value, nulls) {
      const through = conversions + nulls;
      if (through <= 0) return;
      if (order === 1) walkChannels(walk, transitions, ids, n, through);
      else walkTuples(walk, transitions, tuples, order, ids, n, through);
      if (walk.states > maxPathStates) maxPathStates = walk.states;
      if (conversions > 0) {
        transitions.add(walk.last, CONVERSION, conversions);
        last.add(walk.last, conversions, value);
      }
      if (nulls > 0) transitions.add(walk.last, NULL, nulls);
    },
    get stateCount() {
      return order === 1 ? walk.topState + 1 : tuples.channels.length;
    },
    get transitionCount() {
      return transitions.count;
    },
    channelsOf: (s) => (order === 1 ? (s >= FIRST_CHANNEL_STATE && s <= walk.topState ? [s - FIRST_CHANNEL_STATE] : []) : (tuples.channels[s] ?? [])),
    forEachTransition: (fn) => transitions.forEach(fn),
    lastConversions: (s) => last.conversions(s),
    lastValue: (s) => last.value(s),
    get maxPathStates() {
      return maxPathStates;
    },
  };
}

/**
 * Where the path being added stands: its last state and how many states it passed. One object per
 * chain, reused for every path (no allocation per path). `topState` is the highest order-1 state
 * seen: at order 1 a channel's state is its id + FIRST_CHANNEL_STATE, so states need no table.
 */
interface Walk {
  last: number;
  states: number;
  topState: number;
}

/** Order 1, the hot path of the commonest chain: one typed-array update per step, repeats collapsed. */
function walkChannels(walk: Walk, transitions: Transitions, ids: Int32Array, n: number, through: number): void {
  let last = START;
  let states = 0;
  let top = walk.topState;
  for (let i = 0; i < n; i++) {
    const s = (ids[i] as number) + FIRST_CHANNEL_STATE;
    if (s === last) continue;
    transitions.add(last, s, through);
    if (s > top) top = s;
    last = s;
    states++;
  }
  walk.topState = top;
  walk.last = last;
  walk.states = states;
}

/** Order ≥ 2: the sliding windows of `order` touches (the whole path when shorter), as states. */
function walkTuples(walk: Walk, transitions: Transitions, tuples: TupleStates, order: number, ids: Int32Array, n: number, through: number): void {
  let last = START;
  let states = 0;
  const windows = n === 0 ? 0 : n < order ? 1 : n - order + 1;
  for (let i = 0; i < windows; i++) {
    const s = tuples.stateOf(ids, i, Math.min(order, n));
    // Windows first, then consecutive identical states merged (not repeats merged first).
    if (s === last) continue;
    transitions.add(last, s, through);
    last = s;
    states++;
  }
  walk.last = last;
  walk.states = states;
}

/** The states of an order ≥ 2 chain, one per distinct tuple of channel ids seen. */
interface TupleStates {
  /** The state of the tuple `ids[from .. from+len)`, made on first sight. */
  stateOf(ids: Int32Array, from: number, len: number): number;
  /** The channels each state stands for, by state; start, conversion and null stand for none. */
  readonly channels: (readonly number[])[];
}

function createTupleStates(): TupleStates {
  const numericStates = new Map<number, number>();
  const stringStates = new Map<string, number>();
  const channels: (readonly number[])[] = [[], [], []];
  const newState = (ids: Int32Array, from: number, len: number): number => {
    channels.push(Array.from(ids.subarray(from, from + len)));
    return channels.length - 1;
  };
  return {
    channels,
    stateOf(ids, from, len) {
      let key = 0;
      let packable = true;
      for (let i = from; i < from + len; i++) {
        const id = (ids[i] as number) + 1;
        if (id >= TUPLE_BASE) packable = false;
        key = key * TUPLE_BASE + id;
      }
      if (packable) {
        let s = numericStates.get(key);
        if (s === undefined) {
          s = newState(ids, from, len);
          numericStates.set(key, s);
        }
        return s;
      }
      const text = ids.subarray(from, from + len).join(',');
      let s = stringStates.get(text);
      if (s === undefined) {
        s = newState(ids, from, len);
        stringStates.set(text, s);
      }
      return s;
    },
  };
}

/** Conversions and value by the last state before (conversion), in arrays grown by doubling. */
interface LastCredits {
  add(state: number, conversions: number, value: number): void;
  conversions(state: number): number;
  value(state: number): number;
}

function createLastCredits(): LastCredits {
  let conv = new Float64Array(64);
  let val = new Float64Array(64);
  const grow = (s: number) => {
    let n = conv.length;
    while (n <= s) n *= 2;
    const c = new Float64Array(n);
    c.set(conv);
    const v = new Float64Array(n);
    v.set(val);
    conv = c;
    val = v;
  };
  return {
    add(s, conversions, value) {
      if (s >= conv.length) grow(s);
      conv[s] = (conv[s] as number) + conversions;
      val[s] = (val[s] as number) + value;
    },
    conversions: (s) => conv[s] ?? 0,
    value: (s) => val[s] ?? 0,
  };
}
