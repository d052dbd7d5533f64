import type { PreparedPath } from '../prepared-path.js';
import type { RuleContext, RuleModel } from './rule-model.js';

/** The last touch that is not direct; the last touch when every touch is direct. */
function lastNonDirectAt(p: PreparedPath, ctx: RuleContext): number {
  for (let i = p.n - 1; i >= 0; i--) if (!ctx.isDirect(p.ids[i] as number)) return i;
  return p.n - 1;
}

/**
 * 100% to the last touch that is not direct; direct gets the credit only when the whole path is
 * direct (UA "last non-direct click", research doc §1.1–1.2).
 */
export const lastNonDirect: RuleModel = {
  single: lastNonDirectAt,
  weights(p, ctx, w) {
    w.fill(0, 0, p.n);
    w[lastNonDirectAt(p, ctx)] = 1;
  },
};
