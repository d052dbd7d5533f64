import type { RuleModel } from './rule-model.js';

/** Equal credit per touch: a channel that repeats gets one share per touch (GA, ChannelAttribution). */
export const linear: RuleModel = {
  weights(p, _ctx, w) {
    w.fill(1 / p.n, 0, p.n);
  },
};
