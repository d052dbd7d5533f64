import { creditsRecord, type ModelEngine } from '../model-engine.js';
import { createCreditTable } from '../credit-table.js';
import type { RuleContext, RuleModel } from './rule-model.js';

/**
 * Runs one rule model: per path, O(n) weights into a reused scratch buffer, then credits
 * conversions and value by those weights. An empty path credits `emptyPathId` in full.
 */
export function createRuleEngine(name: string, rule: RuleModel, ctx: RuleContext, emptyPathId: number): ModelEngine {
  const table = createCreditTable();
  let w = new Float64Array(16);
  return {
    add(p) {
      const c = p.conversions;
      const v = p.value;
      if (c === 0 && v === 0) return;
      if (p.n === 0) {
        table.add(emptyPathId, c, v);
        return;
      }
      if (w.length < p.n) w = new Float64Array(Math.max(p.n, w.length * 2));
      rule.weights(p, ctx, w);
      table.addShares(p.ids, w, p.n, c, v);
    },
    result: (interner) => ({ model: name, credits: creditsRecord(table, interner) }),
    stateSize: () => table.length,
  };
}
