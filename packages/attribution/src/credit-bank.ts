import { CreditTable } from './credit-table.js';
import type { Interner } from './interner.js';
import { creditsRecord } from './model-engine.js';
import type { ModelName } from './models.js';
import type { PreparedPath } from './prepared-path.js';
import type { ModelResult } from './result.js';
import { firstTouch } from './rules/first-touch.js';
import { fullPath } from './rules/full-path.js';
import { lastNonDirect } from './rules/last-non-direct.js';
import { lastTouch } from './rules/last-touch.js';
import { linear } from './rules/linear.js';
import { positionBased } from './rules/position-based.js';
import type { RuleContext } from './rules/rule-model.js';
import { timeDecay } from './rules/time-decay.js';
import { wShaped } from './rules/w-shaped.js';
import { DistinctTouches } from './shapley/distinct-touches.js';
import { OrderedShapley } from './shapley/ordered-shapley.js';
import { creditSimplifiedShapley } from './shapley/simplified-shapley.js';

/** The models a bank can hold: those that credit each path on its own, from the path alone. */
export const BANKED_MODELS = [
  'first_touch',
  'last_touch',
  'last_non_direct',
  'linear',
  'time_decay',
  'position_based',
  'w_shaped',
  'full_path',
  'shapley',
  'ordered_shapley',
] as const satisfies readonly ModelName[];
export type BankedModelName = (typeof BANKED_MODELS)[number];

/** One model of the bank: its label in the output and which model it runs. */
export interface BankedModel {
  readonly name: string;
  readonly model: BankedModelName;
}

export interface CreditBank {
  /** Credits the path under every model of the bank. */
  add(p: PreparedPath): void;
  /** The answer of the bank's i-th model. */
  result(i: number, interner: Interner): ModelResult;
  stateSize(): number;
}

const KIND: Readonly<Record<BankedModelName, number>> = {
  first_touch: 0,
  last_touch: 1,
  last_non_direct: 2,
  linear: 3,
  time_decay: 4,
  position_based: 5,
  w_shaped: 6,
  full_path: 7,
  shapley: 8,
  ordered_shapley: 9,
};

/**
 * Every model that credits a path on its own (the rule models, and Shapley's closed forms with the
 * `subset` characteristic) in one engine: one pass per path, each model's code called from a call
 * site of its own (the switch below), so V8 inlines it. One engine per model, called through one
 * interface from one loop, spent more on that dispatch than on the crediting (the `--paths`
 * bench measured it). Each model's definition stays in its own file (`credit`); the Shapley
 * models share one scan of the path's distinct touches.
 *
 * An empty path credits `emptyPathId` in full in every model.
 */
export function createCreditBank(models: readonly BankedModel[], ctx: RuleContext, emptyPathId: number): CreditBank {
  const kinds = Int8Array.from(models.map((m) => KIND[m.model]));
  const tables = models.map(() => new CreditTable());
  const ordered = models.map((m) => (m.model === 'ordered_shapley' ? new OrderedShapley() : null));
  const shapley = models.some((m) => m.model === 'shapley' || m.model === 'ordered_shapley');
  const touches = new DistinctTouches();
  let w = new Float64Array(16);
  return {
    add(p) {
      const c = p.conversions;
      const v = p.value;
      if (c === 0 && v === 0) return;
      const n = p.n;
      if (n === 0) {
        for (const t of tables) t.add(emptyPathId, c, v);
        return;
      }
      if (w.length < n) w = new Float64Array(Math.max(n, w.length * 2));
      const k = shapley ? touches.scan(p.ids, n) : 0;
      for (let m = 0; m < kinds.length; m++) {
        creditUnder(kinds[m] as number, p, ctx, tables[m] as CreditTable, w, touches, k, ordered[m] ?? null);
      }
    },
    result: (i, interner) => bankResult(models[i] as BankedModel, tables[i] as CreditTable, ordered[i] ?? null, interner),
    stateSize: () => tables.reduce((s, t) => s + t.length, 0) + ordered.reduce((s, o) => s + (o?.size ?? 0), 0),
  };
}

/**
 * Credits one path under the model of `kind` into `t`. Each model keeps a call site of its own, so
 * V8 still inlines it into this small function (and this into the bank's loop).
 */
function creditUnder(
  kind: number,
  p: PreparedPath,
  ctx: RuleContext,
  t: CreditTable,
  w: Float64Array,
  touches: DistinctTouches,
  k: number,
  ordered: OrderedShapley | null,
): void {
  const c = p.conversions;
  const v = p.value;
  switch (kind) {
    case 0:
      return firstTouch.credit(p, ctx, t, c, v, w);
    case 1:
      return lastTouch.credit(p, ctx, t, c, v, w);
    case 2:
      return lastNonDirect.credit(p, ctx, t, c, v, w);
    case 3:
      return linear.credit(p, ctx, t, c, v, w);
    case 4:
      return timeDecay.credit(p, ctx, t, c, v, w);
    case 5:
      return positionBased.credit(p, ctx, t, c, v, w);
    case 6:
      return wShaped.credit(p, ctx, t, c, v, w);
    case 7:
      return fullPath.credit(p, ctx, t, c, v, w);
    case 8:
      return creditSimplifiedShapley(t, touches, k, c, v);
    default:
      return (ordered as OrderedShapley).credit(t, p, touches, k);
  }
}

/** One model's answer: its credits, and for the Shapley models their characteristic (and positions). */
function bankResult(m: BankedModel, table: CreditTable, ordered: OrderedShapley | null, interner: Interner): ModelResult {
  const credits = creditsRecord(table, interner);
  if (m.model === 'shapley') return { model: m.name, credits, characteristic: 'subset' };
  if (ordered) return { model: m.name, credits, characteristic: 'subset', positions: ordered.positions(interner) };
  return { model: m.name, credits };
}
