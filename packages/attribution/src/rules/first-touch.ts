import type { RuleModel } from './rule-model.js';

/** 100% to the first touch (GA `CROSS_CHANNEL_FIRST_CLICK`). */
export const firstTouch: RuleModel = {
  single: () => 0,
  weights(p, _ctx, w) {
    w.fill(0, 0, p.n);
    w[0] = 1;
  },
};
