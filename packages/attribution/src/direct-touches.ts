import type { Interner } from './interner.js';
import type { PreparedPath } from './prepared-path.js';

/**
 * Which level-value ids are direct: their value is one of the direct labels, ignoring case. The
 * answer is cached per id (ids are dense), so the per-touch test is one typed-array read.
 */
export interface DirectLabels {
  isDirect(id: number): boolean;
}

const UNKNOWN = 0;
const NOT_DIRECT = 1;
const DIRECT = 2;

export function createDirectLabels(labels: readonly string[], interner: Interner): DirectLabels {
  const lower = new Set(labels.map((l) => l.toLowerCase()));
  let flags = new Uint8Array(64);
  return {
    isDirect(id) {
      if (id >= flags.length) {
        const grown = new Uint8Array(Math.max(id + 1, flags.length * 2));
        grown.set(flags);
        flags = grown;
      }
      let f = flags[id] as number;
      if (f === UNKNOWN) flags[id] = f = lower.has(interner.value(id).toLowerCase()) ? DIRECT : NOT_DIRECT;
      return f === DIRECT;
    },
  };
}

/**
 * GA4's treatment of Direct (`direct: 'ignore'`): when a path holds any touch that is not direct,
 * its direct touches are removed in place, so no model credits them; a path of direct touches only
 * is left as it is and credits Direct.
 *
 * Times move with their touches. A milestone on a removed touch moves to the last kept touch
 * before it (GA4 credits a direct session to the previous non-direct source), or to the first
 * kept touch when none came before.
 */
export function dropDirectTouches(p: PreparedPath, direct: DirectLabels): void {
  const n = p.n;
  let any = false;
  for (let i = 0; i < n; i++) {
    if (!direct.isDirect(p.ids[i] as number)) {
      any = true;
      break;
    }
  }
  if (!any) return;
  const { ids, ages } = p;
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
}
