import type { RuleModel } from './rule-model.js';

/** 100% to the first touch (GA `CROSS_CHANNEL_FIRST_CLICK`). */
export const firstTouch: RuleModel = {
  credit(p, _ctx, t, c, v) {
    t.add(p.ids[0] as number, c, v);
  },
};
