import type { CreditTable } from '../credit-table.js';
import type { ResolvedParams } from '../params.js';
import type { PathProblem, PreparedPath } from '../prepared-path.js';

/** What a rule model may read besides the path. */
export interface RuleContext {
  readonly params: ResolvedParams;
  /** True for level-value ids that count as direct (last non-direct). */
  readonly isDirect: (id: number) => boolean;
}

/**
 * A rule-based model: credits the path's conversions `c` and value `v` to its touches, the
 * shares summing to 1, in O(n) time and without allocating (`scratch` holds at least n numbers).
 * Called only for n ≥ 1.
 */
export type RuleCredit = (p: PreparedPath, ctx: RuleContext, table: CreditTable, c: number, v: number, scratch: Float64Array) => void;

/**
 * A rule model checks, before any model credits the path, that the path carries what it needs:
 * times or milestones, nothing else (a path that has them all is not asked).
 */
export type RuleRequirement = (p: PreparedPath, ctx: RuleContext) => PathProblem | undefined;

export interface RuleModel {
  readonly credit: RuleCredit;
  readonly requires?: RuleRequirement;
}
