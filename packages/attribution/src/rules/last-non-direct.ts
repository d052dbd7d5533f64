import type { RuleModel } from './rule-model.js';

/**
 * 100% to the last touch that is not direct; direct gets the credit only when the whole path is
 * direct (UA "last non-direct click", research doc §1.1–1.2).
 */
export const lastNonDirect: RuleModel = {
  credit(p, ctx, t, c, v) {
    let at = p.n - 1;
    for (let i = p.n - 1; i >= 0; i--) {
      if (!ctx.isDirect(p.ids[i] as number)) {
        at = i;
        break;
      }
    }
    t.add(p.ids[at] as number, c, v);
  },
};
