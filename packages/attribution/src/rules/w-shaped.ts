import { creditMilestones, milestoneAt, requireMilestones } from './milestone-weights.js';
import type { RuleModel } from './rule-model.js';

/**
 * 30% first touch, 30% lead creation, 30% opportunity creation, 10% shared by the other touches up
 * to the opportunity; later touches get 0 (Marketo Measure; leadsources.io worked example).
 */
// Reused scratch (weights are computed synchronously, one path at a time): no allocation per path.
const positions = [0, 0, 0];

export const wShaped: RuleModel = {
  requires: requireMilestones('w_shaped', ['lead', 'opportunity']),
  credit(p, ctx, t, c, v) {
    positions[1] = milestoneAt(p.lead, p.n);
    positions[2] = milestoneAt(p.opportunity, p.n);
    creditMilestones(t, p.ids, positions, ctx.params.wShapedWeights, c, v);
  },
};
