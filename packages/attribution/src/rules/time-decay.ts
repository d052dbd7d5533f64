import { MissingFacts } from '../params.js';
import type { RuleModel } from './rule-model.js';

/**
 * w_i = 2^(−age_i / H), normalised per path (Google: 7-day half-life; a touch 8 days before the
 * conversion gets half the credit of one 1 day before). Ages are taken relative to the most recent
 * touch before exponentiating: normalisation cancels the shift, and it keeps very old touches from
 * underflowing every weight to 0.
 *
 * Without times the model refuses the path (`missingFacts: 'error'`, the default: a silent equal
 * split would be linear under another name) or, with `'fallback'`, weights the touches equally.
 */
export const timeDecay: RuleModel = {
  requires(p, ctx) {
    if (p.hasTimes || ctx.params.missingFacts === MissingFacts.Fallback) return undefined;
    return {
      field: 'times',
      message:
        'time_decay needs `times` (one per touch) to weight touches by age; add them, or set missingFacts: "fallback" to weight touches equally',
    };
  },
  credit(p, ctx, t, c, v, w) {
    const n = p.n;
    const ids = p.ids;
    if (!p.hasTimes) {
      const share = 1 / n;
      for (let i = 0; i < n; i++) t.add(ids[i] as number, share * c, share * v);
      return;
    }
    let newest = Infinity;
    for (let i = 0; i < n; i++) newest = Math.min(newest, p.ages[i] as number);
    // 2^(−Δ/H) = e^(−Δ·ln2/H); Math.exp is cheaper than a general power.
    const rate = Math.LN2 / ctx.params.halfLifeMs;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const x = Math.exp(-((p.ages[i] as number) - newest) * rate);
      w[i] = x;
      sum += x;
    }
    for (let i = 0; i < n; i++) {
      const share = (w[i] as number) / sum;
      if (share !== 0) t.add(ids[i] as number, share * c, share * v);
    }
  },
};
