import type { RuleModel } from './rule-model.js';

/**
 * First and last touch get `positionWeights.first` / `.last` (GA: 40% each), the middle touches
 * share the rest. Credit is per touch, then summed: A, A, B ⇒ A 60%, B 40% (optimizesmart). With
 * two touches there is no middle: first and last are renormalised (40/40 ⇒ 50/50), the convention
 * of ga4dataform and others (Google publishes none).
 */
export const positionBased: RuleModel = {
  weights(p, ctx, w) {
    const n = p.n;
    if (n === 1) {
      w[0] = 1;
      return;
    }
    const { first, last } = ctx.params.positionWeights;
    if (n === 2) {
      const s = first + last;
      w[0] = s > 0 ? first / s : 0.5;
      w[1] = s > 0 ? last / s : 0.5;
      return;
    }
    w.fill((1 - first - last) / (n - 2), 1, n - 1);
    w[0] = first;
    w[n - 1] = last;
  },
};
