import { MissingFacts } from '../params.js';
import type { PathProblem, PreparedPath } from '../prepared-path.js';
import type { RuleContext } from './rule-model.js';

/**
 * Shared by W-shaped and full path. Milestone j (first touch, lead, opportunity, close) gets
 * `weights[j]`; a touch holding several milestones gets their sum. The touches in the window
 * `[0, end]` that hold no milestone share `1 − Σ weights`; touches after `end` get 0 (Marketo
 * Measure: the W ends at opportunity creation). With no such middle touch the milestone weights
 * are renormalised to sum to 1.
 */
export function milestoneWeights(
  n: number,
  positions: readonly number[],
  weights: readonly number[],
  w: Float64Array,
): void {
  w.fill(0, 0, n);
  let end = 0;
  let total = 0;
  for (let j = 0; j < positions.length; j++) {
    const at = positions[j] as number;
    w[at] = (w[at] as number) + (weights[j] as number);
    total += weights[j] as number;
    if (at > end) end = at;
  }
  let middle = 0;
  for (let i = 0; i <= end; i++) if (!positions.includes(i)) middle++;
  if (middle === 0) {
    for (let i = 0; i <= end; i++) w[i] = (w[i] as number) / total;
    return;
  }
  const share = (1 - total) / middle;
  for (let i = 0; i <= end; i++) if (!positions.includes(i)) w[i] = share;
}

type MilestoneKey = 'lead' | 'opportunity' | 'close';

/** The milestone's touch index, or the last touch when missing and fallback is allowed. */
export function milestoneAt(p: PreparedPath, key: MilestoneKey): number {
  const at = p[key];
  return at >= 0 ? at : p.n - 1;
}

export function requireMilestones(
  model: string,
  keys: readonly MilestoneKey[],
): (p: PreparedPath, ctx: RuleContext) => PathProblem | undefined {
  return (p, ctx) => {
    if (ctx.params.missingFacts === MissingFacts.Fallback) return undefined;
    const missing = keys.filter((k) => p[k] < 0);
    if (missing.length === 0) return undefined;
    return {
      field: `milestones.${missing[0]}`,
      message: `${model} needs milestones ${keys.join(', ')} (touch indexes); missing ${missing.join(', ')}: add them, or set missingFacts: "fallback" to put missing milestones on the last touch`,
    };
  };
}
