import type { CreditTable } from '../credit-table.js';
import { MissingFacts } from '../params.js';
import type { PathProblem, PreparedPath } from '../prepared-path.js';
import type { RuleContext } from './rule-model.js';

/**
 * Shared by W-shaped and full path. Milestone j (first touch, lead, opportunity, close) gets
 * `weights[j]`; a touch holding several milestones gets their sum. The touches in the window
 * `[0, end]` that hold no milestone share `1 − Σ weights`; touches after `end` get 0 (Marketo
 * Measure: the W ends at opportunity creation). With no such middle touch the milestone weights
 * are renormalised to sum to 1. Credits `c` and `v` straight into the table (no weights buffer).
 */
export function creditMilestones(
  t: CreditTable,
  ids: Int32Array,
  positions: readonly number[],
  weights: readonly number[],
  c: number,
  v: number,
): void {
  let end = 0;
  let total = 0;
  let distinct = 0;
  for (let j = 0; j < positions.length; j++) {
    const at = positions[j] as number;
    total += weights[j] as number;
    if (at > end) end = at;
    let seen = false;
    for (let k = 0; k < j; k++) if (positions[k] === at) seen = true;
    if (!seen) distinct++;
  }
  const middle = end + 1 - distinct;
  const share = middle > 0 ? (1 - total) / middle : 0;
  if (share !== 0) {
    for (let i = 0; i <= end; i++) {
      let milestone = false;
      for (let j = 0; j < positions.length; j++) if (positions[j] === i) milestone = true;
      if (!milestone) t.add(ids[i] as number, share * c, share * v);
    }
  }
  const scale = middle > 0 ? 1 : 1 / total;
  for (let j = 0; j < positions.length; j++) {
    const s = (weights[j] as number) * scale;
    if (s !== 0) t.add(ids[positions[j] as number] as number, s * c, s * v);
  }
}

type MilestoneKey = 'lead' | 'opportunity' | 'close';

/** A milestone's touch index, or the last touch when missing (and fallback is allowed). */
export function milestoneAt(at: number, n: number): number {
  return at >= 0 ? at : n - 1;
}

export function requireMilestones(
  model: string,
  keys: readonly MilestoneKey[],
): (p: PreparedPath, ctx: RuleContext) => PathProblem | undefined {
  const needs = { lead: keys.includes('lead'), opportunity: keys.includes('opportunity'), close: keys.includes('close') };
  return (p, ctx) => {
    // Runs for every converting path: the common case (all present) allocates nothing.
    if ((!needs.lead || p.lead >= 0) && (!needs.opportunity || p.opportunity >= 0) && (!needs.close || p.close >= 0)) return undefined;
    if (ctx.params.missingFacts === MissingFacts.Fallback) return undefined;
    const missing = keys.filter((k) => p[k] < 0);
    return {
      field: `milestones.${missing[0]}`,
      message: `${model} needs milestones ${keys.join(', ')} (touch indexes); missing ${missing.join(', ')}: add them, or set missingFacts: "fallback" to put missing milestones on the last touch`,
    };
  };
}
