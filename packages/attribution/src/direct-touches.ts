import type { Interner } from './interner.js';
import type { PreparedPath } from './prepared-path.js';

/**
 * Which level-value ids are direct: their value is one of the direct labels, ignoring case. The
 * answer is cached per id (ids are dense), so the per-touch test is one typed-array read; a
 * class so that the test inlines into the loops that make it for every touch.
 */
export class DirectLabels {
  readonly #lower: ReadonlySet<string>;
  readonly #interner: Interner;
  #flags = new Uint8Array(64);

  constructor(labels: readonly string[], interner: Interner) {
    this.#lower = new Set(labels.map((l) => l.toLowerCase()));
    this.#interner = interner;
  }

  isDirect(id: number): boolean {
    const f = id < this.#flags.length ? (this.#flags[id] as number) : UNKNOWN;
    return (f === UNKNOWN ? this.#classify(id) : f) === DIRECT;
  }

  #classify(id: number): number {
    if (id >= this.#flags.length) {
      const grown = new Uint8Array(Math.max(id + 1, this.#flags.length * 2));
      grown.set(this.#flags);
      this.#flags = grown;
    }
    const f = this.#lower.has(this.#interner.value(id).toLowerCase()) ? DIRECT : NOT_DIRECT;
    this.#flags[id] = f;
    return f;
  }
}

const UNKNOWN = 0;
const NOT_DIRECT = 1;
const DIRECT = 2;

/**
 * GA4's treatment of Direct (`direct: 'ignore'`): when a path holds any touch that is not direct,
 * its direct touches are removed in place, so no model credits them; a path of direct touches only
 * is left as it is and credits Direct. `p.directs` (counted while the path was interned) says
 * whether there is anything to do.
 *
 * Times move with their touches. A milestone on a removed touch moves to the last kept touch
 * before it (GA4 credits a direct session to the previous non-direct source), or to the first
 * kept touch when none came before.
 */
export function dropDirectTouches(p: PreparedPath, direct: DirectLabels): void {
  const n = p.n;
  const { ids, ages } = p;
  // Most paths hold no direct touch, or nothing else, and stay as they are.
  if (p.directs === 0 || p.directs === n) return;
  const lead = p.lead;
  const opportunity = p.opportunity;
  const close = p.close;
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const id = ids[i] as number;
    if (!direct.isDirect(id)) {
      ids[kept] = id;
      if (p.hasTimes) ages[kept] = ages[i] as number;
      kept++;
    }
    // Milestone indexes are never above n − 1, and kept ≥ 1 by the end: the clamp only matters
    // for direct touches before the first kept one.
    if (i === lead) p.lead = kept > 0 ? kept - 1 : 0;
    if (i === opportunity) p.opportunity = kept > 0 ? kept - 1 : 0;
    if (i === close) p.close = kept > 0 ? kept - 1 : 0;
  }
  p.n = kept;
  p.directs = 0;
}
