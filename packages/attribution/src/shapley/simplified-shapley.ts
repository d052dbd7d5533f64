import { createCreditTable } from '../credit-table.js';
import { creditsRecord, type ModelEngine } from '../model-engine.js';
import { createDistinctTouches } from './distinct-touches.js';

/**
 * Simplified Shapley value (Zhao, Mahboobi & Bagheri 2018, arXiv:1804.05327; the method of Google
 * Ads Data Hub). With the `subset` characteristic v(S) = Σ_{T ⊆ S} R(T), the Shapley value has the
 * closed form φ_j = Σ_{T ∋ j} R(T) / |T|: each converting path's conversions (and value) are split
 * equally over its distinct channels. Exact at any number of channels, and streamed: O(n) per path,
 * O(distinct channels) state. `shapleyValues` (the general formula) is checked against it in tests.
 */
export function createSimplifiedShapleyEngine(name: string, emptyPathId: number): ModelEngine {
  const credits = createCreditTable();
  const touches = createDistinctTouches();
  return {
    add(p) {
      if (p.conversions === 0 && p.value === 0) return;
      if (p.n === 0) {
        credits.add(emptyPathId, p.conversions, p.value);
        return;
      }
      const k = touches.scan(p.ids, p.n);
      const c = p.conversions / k;
      const v = p.value / k;
      for (let i = 0; i < k; i++) credits.add(touches.distinct[i] as number, c, v);
    },
    result: (interner) => ({ model: name, credits: creditsRecord(credits, interner), characteristic: 'subset' }),
    stateSize: () => credits.length,
  };
}
