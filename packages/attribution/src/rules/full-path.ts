import { milestoneAt, milestoneWeights, requireMilestones } from './milestone-weights.js';
import type { RuleModel } from './rule-model.js';

/**
 * Full path (Z-shaped): 22.5% each to first touch, lead, opportunity and close, 10% shared by the
 * other touches up to the close (Marketo Measure / Bizible).
 */
export const fullPath: RuleModel = {
  requires: requireMilestones('full_path', ['lead', 'opportunity', 'close']),
  weights(p, ctx, w) {
    const positions = [0, milestoneAt(p, 'lead'), milestoneAt(p, 'opportunity'), milestoneAt(p, 'close')];
    milestoneWeights(p.n, positions, ctx.params.fullPathWeights, w);
  },
};
