import { creditMilestones, milestoneAt, requireMilestones } from './milestone-weights.js';
import type { RuleModel } from './rule-model.js';

/**
 * Full path (Z-shaped): 22.5% each to first touch, lead, opportunity and close, 10% shared by the
 * other touches up to the close (Marketo Measure / Bizible).
 */
// Reused scratch (weights are computed synchronously, one path at a time): no allocation per path.
const positions = [0, 0, 0, 0];

export const fullPath: RuleModel = {
  requires: requireMilestones('full_path', ['lead', 'opportunity', 'close']),
  credit(p, ctx, t, c, v) {
    positions[1] = milestoneAt(p.lead, p.n);
    positions[2] = milestoneAt(p.opportunity, p.n);
    positions[3] = milestoneAt(p.close, p.n);
    creditMilestones(t, p.ids, positions, ctx.params.fullPathWeights, c, v);
  },
};
