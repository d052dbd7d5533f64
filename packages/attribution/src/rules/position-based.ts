import type { RuleModel } from './rule-model.js';

/**
 * First and last touch get `positionWeights.first` / `.last` (GA: 40% each), the middle touches
 * share the rest. Credit is per touch, then summed: A, A, B ⇒ A 60%, B 40% (optimizesmart). With
 * two touches there is no middle: first and last are renormalised (40/40 ⇒ 50/50), the convention
 * of ga4dataform and others (Google publishes none).
 */
export const positionBased: RuleModel = {
  credit(p, ctx, t, c, v) {
    const n = p.n;
    const ids = p.ids;
    if (n === 1) {
      t.add(ids[0] as number, c, v);
      return;
    }
    const { first, last } = ctx.params.positionWeights;
    if (n === 2) {
      const s = first + last;
      const f = s > 0 ? first / s : 0.5;
      const l = s > 0 ? last / s : 0.5;
      t.add(ids[0] as number, f * c, f * v);
      t.add(ids[1] as number, l * c, l * v);
      return;
    }
    const middle = (1 - first - last) / (n - 2);
    t.add(ids[0] as number, first * c, first * v);
    if (middle !== 0) for (let i = 1; i < n - 1; i++) t.add(ids[i] as number, middle * c, middle * v);
    t.add(ids[n - 1] as number, last * c, last * v);
  },
};
