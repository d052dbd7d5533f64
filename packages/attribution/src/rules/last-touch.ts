import type { RuleModel } from './rule-model.js';

/** 100% to the last touch, direct included (the classic last click; GA4's ignores direct: see last non-direct). */
export const lastTouch: RuleModel = {
  credit(p, _ctx, t, c, v) {
    t.add(p.ids[p.n - 1] as number, c, v);
  },
};
