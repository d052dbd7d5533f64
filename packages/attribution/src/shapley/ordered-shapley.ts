import { createCreditTable } from '../credit-table.js';
import { creditsRecord, type ModelEngine } from '../model-engine.js';
import { createDistinctTouches } from './distinct-touches.js';

/**
 * Ordered Shapley (Zhao et al. 2018): channel j's simplified share R(T)/|T| is split over the touch
 * positions where j occurs, 1/#occurrences each, giving credit per (channel, position). This is
 * the corrected formula (ianchute/shapley-attribution-model-zhao-naive dd8d44d divides by the
 * repeat count; the pre-fix version gave every occurrence the full share, so totals exceeded the
 * conversions). Per-channel totals therefore equal simplified Shapley; `positions` is the extra.
 */
export function createOrderedShapleyEngine(name: string, emptyPathId: number): ModelEngine {
  const credits = createCreditTable();
  const touches = createDistinctTouches();
  // Credit per touch position, indexed by level-value id (ids are dense small integers).
  const positions: (number[] | undefined)[] = [];
  return {
    add(p) {
      if (p.conversions === 0 && p.value === 0) return;
      if (p.n === 0) {
        credits.add(emptyPathId, p.conversions, p.value);
        return;
      }
      const k = touches.scan(p.ids, p.n);
      for (let i = 0; i < p.n; i++) {
        const id = p.ids[i] as number;
        const share = 1 / (k * touches.occurrences(id));
        credits.add(id, share * p.conversions, share * p.value);
        let byPosition = positions[id];
        if (byPosition === undefined) {
          while (positions.length < id) positions.push(undefined);
          positions[id] = byPosition = [];
        }
        while (byPosition.length <= i) byPosition.push(0);
        byPosition[i] = (byPosition[i] as number) + share * p.conversions;
      }
    },
    result(interner) {
      const byValue: Record<string, number[]> = {};
      positions.forEach((list, id) => {
        if (list) byValue[interner.value(id)] = list;
      });
      return { model: name, credits: creditsRecord(credits, interner), characteristic: 'subset', positions: byValue };
    },
    stateSize: () => credits.length + positions.reduce((s, l) => s + (l?.length ?? 0), 0),
  };
}
