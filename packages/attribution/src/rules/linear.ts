import type { RuleModel } from './rule-model.js';

/** Equal credit per touch: a channel that repeats gets one share per touch (GA, ChannelAttribution). */
export const linear: RuleModel = {
  credit(p, _ctx, t, c, v) {
    const share = 1 / p.n;
    for (let i = 0; i < p.n; i++) t.add(p.ids[i] as number, share * c, share * v);
  },
};
