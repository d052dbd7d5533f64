import { createCreditTable } from '../credit-table.js';
import { creditsRecord, type ModelEngine } from '../model-engine.js';
import type { RuleContext, RuleModel } from './rule-model.js';

/**
 * Runs one rule model: per path, O(n) weights into a shared scratch buffer, then credits
 * conversions and value by those weights. An empty path credits `emptyPathId` in full.
 */
export function createRuleEngine(name: string, rule: RuleModel, ctx: RuleContext, emptyPathId: number): ModelEngine {
  const credits = createCreditTable();
  let w = new Float64Array(16);
  return {
    add(p) {
      if (p.conversions === 0 && p.value === 0) return;
      if (p.n === 0) {
        credits.add(emptyPathId, p.conversions, p.value);
        return;
      }
      if (w.length < p.n) w = new Float64Array(Math.max(p.n, w.length * 2));
      rule.weights(p, ctx, w);
      for (let i = 0; i < p.n; i++) {
        const share = w[i] as number;
        if (share !== 0) credits.add(p.ids[i] as number, share * p.conversions, share * p.value);
      }
    },
    result: (interner) => ({ model: name, credits: creditsRecord(credits, interner) }),
    stateSize: () => credits.length,
  };
}
