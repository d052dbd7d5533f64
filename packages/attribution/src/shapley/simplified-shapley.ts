import type { CreditTable } from '../credit-table.js';
import type { DistinctTouches } from './distinct-touches.js';

/**
 * Simplified Shapley value (Zhao, Mahboobi & Bagheri 2018, arXiv:1804.05327; the method of Google
 * Ads Data Hub). With the `subset` characteristic v(S) = Σ_{T ⊆ S} R(T), the Shapley value has the
 * closed form φ_j = Σ_{T ∋ j} R(T) / |T|: each converting path's conversions (and value) are split
 * equally over its distinct channels. Exact at any number of channels, and streamed: O(n) per path,
 * O(distinct channels) state. `shapleyValues` (the general formula) is checked against it in tests.
 *
 * Credits one non-empty path whose distinct touches `touches` has just scanned (k of them).
 */
export function creditSimplifiedShapley(table: CreditTable, touches: DistinctTouches, k: number, conversions: number, value: number): void {
  const c = conversions / k;
  const v = value / k;
  const distinct = touches.distinct;
  for (let i = 0; i < k; i++) table.add(distinct[i] as number, c, v);
}
