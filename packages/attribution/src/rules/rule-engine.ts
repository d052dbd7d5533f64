import { creditsRecord, type ModelEngine } from '../model-engine.js';
import type { CreditTable } from '../credit-table.js';
import type { RuleContext, RuleModel } from './rule-model.js';

/**
 * Runs one rule model: per path, O(n) weights into a reused scratch buffer, then credits
 * conversions and value by those weights. An empty path credits `emptyPathId` in full.
 *
 * The credit arrays are held here rather than behind a CreditTable call per touch: this loop runs
 * for every touch of every path of every rule model, and the direct typed-array writes measured
 * faster.
 */
export function createRuleEngine(name: string, rule: RuleModel, ctx: RuleContext, emptyPathId: number): ModelEngine {
  let conv = new Float64Array(64);
  let val = new Float64Array(64);
  let used = 0;
  let w = new Float64Array(16);
  const grow = (id: number) => {
    let n = conv.length;
    while (n <= id) n *= 2;
    const c = new Float64Array(n);
    c.set(conv);
    const v = new Float64Array(n);
    v.set(val);
    conv = c;
    val = v;
  };
  const table: CreditTable = {
    add(id, c, v) {
      if (id >= conv.length) grow(id);
      conv[id] = (conv[id] as number) + c;
      val[id] = (val[id] as number) + v;
      if (id >= used) used = id + 1;
    },
    conversions: (id) => conv[id] ?? 0,
    value: (id) => val[id] ?? 0,
    get length() {
      return used;
    },
  };
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
      const ids = p.ids;
      for (let i = 0; i < p.n; i++) {
        const share = w[i] as number;
        if (share === 0) continue;
        const id = ids[i] as number;
        if (id >= conv.length) grow(id);
        conv[id] = (conv[id] as number) + share * c;
        val[id] = (val[id] as number) + share * v;
        if (id >= used) used = id + 1;
      }
    },
    result: (interner) => ({ model: name, credits: creditsRecord(table, interner) }),
    stateSize: () => used,
  };
}
