import type { ResolvedParams } from '../params.js';
import type { PathProblem, PreparedPath } from '../prepared-path.js';

/** What a rule model may read besides the path. */
export interface RuleContext {
  readonly params: ResolvedParams;
  /** True for level-value ids that count as direct (last non-direct). */
  readonly isDirect: (id: number) => boolean;
}

/**
 * A rule-based model: writes the share of the path's credit each kept touch receives into
 * `w[0..n)` (shares sum to 1), in O(n) time and without allocating. Called only for n ≥ 1.
 */
export type RuleWeights = (p: PreparedPath, ctx: RuleContext, w: Float64Array) => void;

/** A rule model checks, before any model credits the path, that the path carries what it needs. */
export type RuleRequirement = (p: PreparedPath, ctx: RuleContext) => PathProblem | undefined;

export interface RuleModel {
  readonly weights: RuleWeights;
  /** Models that give one touch 100%: its index (the engine then credits it without weights). */
  readonly single?: (p: PreparedPath, ctx: RuleContext) => number;
  readonly requires?: RuleRequirement;
}
