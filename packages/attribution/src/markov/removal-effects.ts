import type { Credit } from '../result.js';
import { absorb, DENSE_LIMIT, type AbsorbingChain, type Absorption } from './absorbing-chain.js';
import type { MarkovCounts } from './markov-counts.js';
import { INVERSE_LIMIT, orderOneRemovals } from './order-one-removal.js';

export interface RemovalEffects {
  /** Absorption in (conversion) with nothing removed. */
  readonly base: Absorption;
  /** RE per channel id, for conversions and for value. */
  readonly effects: Map<number, Credit>;
}

/**
 * RE_c = 1 − P(conv | c removed) / P(conv) for every channel in the chain, where removing c
 * redirects every state that contains c (at order k, every tuple with c in it) to (null). Removing
 * states can only lower absorption, so RE ∈ [0, 1]; values a rounding error below 0 are clamped.
 *
 * Order 1, infinite horizon, up to {@link INVERSE_LIMIT} states: every removal from one inversion
 * (order-one-removal.ts). Otherwise one solve per channel: elimination up to `denseLimit` states,
 * Gauss–Seidel beyond, or the finite-horizon recursion when truncated.
 */
export function removalEffects(
  chain: AbsorbingChain,
  counts: MarkovCounts,
  maxSteps: number,
  denseLimit = DENSE_LIMIT,
  inverseLimit = INVERSE_LIMIT,
): RemovalEffects {
  const statesOf = new Map<number, number[]>();
  for (let i = 1; i < chain.size; i++) {
    for (const id of counts.channelsOf(chain.stateOf[i] as number)) {
      let list = statesOf.get(id);
      if (!list) statesOf.set(id, (list = []));
      if (list[list.length - 1] !== i) list.push(i);
    }
  }
  const oneShot = counts.order === 1 && !Number.isFinite(maxSteps) && chain.size > 1 && chain.size <= inverseLimit;
  const shortcut = oneShot ? orderOneRemovals(chain) : undefined;
  const base = shortcut ? shortcut.base : absorb(chain, new Uint8Array(chain.size), maxSteps, denseLimit);
  const effects = new Map<number, Credit>();
  for (const [id, states] of [...statesOf].sort((a, b) => a[0] - b[0])) {
    let without = shortcut && states.length === 1 ? shortcut.without.get(states[0] as number) : undefined;
    if (!without) {
      const removed = new Uint8Array(chain.size);
      for (const i of states) removed[i] = 1;
      without = absorb(chain, removed, maxSteps, denseLimit);
    }
    effects.set(id, {
      conversions: base.conversion > 0 ? Math.max(0, 1 - without.conversion / base.conversion) : 0,
      value: base.value > 0 ? Math.max(0, 1 - without.value / base.value) : 0,
    });
  }
  return { base, effects };
}
