import { createCreditTable } from '../credit-table.js';
import { creditsRecord, type ModelEngine } from '../model-engine.js';
import { createDistinctTouches } from './distinct-touches.js';

/**
 * Shapley value with the `exact` characteristic: v(S) = conversions of paths whose channel set is
 * exactly S (research doc §2.5, documented there as a pitfall: Σφ = v(N), the conversions of paths
 * that touched every channel, and values can be negative, so credits do not sum to the
 * conversions). Kept for comparison with tools that use it.
 *
 * v is a sum of indicator games e_T (1 iff S = T) weighted by R(T), and the Shapley value of e_T
 * has a closed form: for i ∈ T the only marginal gain is at S = T∖{i}, worth (t−1)!(n−t)!/n!; for
 * i ∉ T the only loss is at S = T, worth −t!(n−t−1)!/n!. So the engine keeps R(T) per distinct
 * channel set (memory bounded by distinct sets) and is exact at any number of channels.
 */
export function createExactSetShapleyEngine(name: string, emptyPathId: number): ModelEngine {
  const sets = new Map<string, { ids: number[]; conversions: number; value: number }>();
  const direct = createCreditTable(1);
  const touches = createDistinctTouches();
  return {
    add(p) {
      if (p.conversions === 0 && p.value === 0) return;
      if (p.n === 0) {
        direct.add(0, p.conversions, p.value);
        return;
      }
      const k = touches.scan(p.ids, p.n);
      const ids = Array.from(touches.distinct.subarray(0, k)).sort((a, b) => a - b);
      const key = ids.join(',');
      const entry = sets.get(key);
      if (entry) {
        entry.conversions += p.conversions;
        entry.value += p.value;
      } else sets.set(key, { ids, conversions: p.conversions, value: p.value });
    },
    result(interner) {
      const players = new Set<number>();
      for (const s of sets.values()) for (const id of s.ids) players.add(id);
      const n = players.size;
      const logFact = [0];
      for (let i = 1; i <= n; i++) logFact.push((logFact[i - 1] as number) + Math.log(i));
      const lf = (i: number) => logFact[i] as number;
      const credits = createCreditTable();
      for (const id of players) credits.add(id, 0, 0);
      for (const s of sets.values()) {
        const t = s.ids.length;
        const gain = Math.exp(lf(t - 1) + lf(n - t) - lf(n));
        const loss = t < n ? Math.exp(lf(t) + lf(n - t - 1) - lf(n)) : 0;
        const members = new Set(s.ids);
        for (const id of players) {
          const w = members.has(id) ? gain : -loss;
          if (w !== 0) credits.add(id, w * s.conversions, w * s.value);
        }
      }
      if (direct.length > 0) credits.add(emptyPathId, direct.conversions(0), direct.value(0));
      return {
        model: name,
        credits: creditsRecord(credits, interner, (id) => players.has(id) || (id === emptyPathId && direct.length > 0)),
        characteristic: 'exact',
      };
    },
    stateSize: () => sets.size,
  };
}
