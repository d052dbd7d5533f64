import type { RuleModel } from './rule-model.js';

/** 100% to the last touch, direct included (the classic last click; GA4's ignores direct: see last non-direct). */
export const lastTouch: RuleModel = {
  single: (p) => p.n - 1,
  weights(p, _ctx, w) {
    w.fill(0, 0, p.n);
    w[p.n - 1] = 1;
  },
};
