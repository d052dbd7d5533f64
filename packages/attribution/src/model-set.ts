import type { Interner } from './interner.js';
import { createMarkovEngine } from './markov/markov-engine.js';
import type { ModelEngine } from './model-engine.js';
import { RULE_MODELS, type ResolvedModel, type RuleModelName } from './models.js';
import { BANKED_MODELS, createCreditBank, type BankedModel, type BankedModelName } from './credit-bank.js';
import type { ResolvedParams } from './params.js';
import type { PreparedPath } from './prepared-path.js';
import type { ModelResult } from './result.js';
import { RULES } from './rules/index.js';
import type { RuleContext, RuleRequirement } from './rules/rule-model.js';
import { createExactSetShapleyEngine } from './shapley/exact-set-shapley.js';

/** The models of a run: what a prepared path is fed to, and each model's answer in the order asked. */
export interface ModelSet {
  add(p: PreparedPath): void;
  results(interner: Interner): ModelResult[];
  /** What the rule models need a converting path to carry (times, milestones). */
  readonly requirements: readonly RuleRequirement[];
  /** Entries the models hold: bounded by distinct values, states and sets, never by paths. */
  stateSize(): number;
}

const isRule = (model: string): model is RuleModelName => (RULE_MODELS as readonly string[]).includes(model);

/**
 * Wires the resolved models: those that credit each path on their own (rule models, Shapley's
 * closed forms) into one bank, every other model (Markov, exact-set Shapley) an engine of its own.
 */
export function createModelSet(models: readonly ResolvedModel[], params: ResolvedParams, ctx: RuleContext, emptyPathId: number): ModelSet {
  const inBank = (m: ResolvedModel): m is ResolvedModel & { model: BankedModelName } =>
    (BANKED_MODELS as readonly string[]).includes(m.model) && !(m.model === 'shapley' && params.shapley.characteristic === 'exact');
  const banked: BankedModel[] = [];
  const requirements: RuleRequirement[] = [];
  for (const m of models) {
    if (!inBank(m)) continue;
    banked.push({ name: m.name, model: m.model });
    const requires = isRule(m.model) ? RULES[m.model].requires : undefined;
    if (requires && !requirements.includes(requires)) requirements.push(requires);
  }
  const bank = banked.length > 0 ? createCreditBank(banked, ctx, emptyPathId) : null;
  const engines: ModelEngine[] = [];
  // Per model in the order asked: its place in the bank, or its engine.
  const answers = models.map((m): ((interner: Interner) => ModelResult) => {
    if (inBank(m)) {
      const i = banked.findIndex((b) => b.name === m.name);
      return (interner) => (bank as NonNullable<typeof bank>).result(i, interner);
    }
    const engine = otherEngine(m, params, emptyPathId);
    engines.push(engine);
    return (interner) => engine.result(interner);
  });
  return {
    add(p) {
      bank?.add(p);
      for (const e of engines) e.add(p);
    },
    results: (interner) => answers.map((a) => a(interner)),
    requirements,
    stateSize: () => (bank?.stateSize() ?? 0) + engines.reduce((s, e) => s + e.stateSize(), 0),
  };
}

/** Markov, or Shapley with the `exact` characteristic (it keeps a table of channel sets). */
function otherEngine(m: ResolvedModel, params: ResolvedParams, emptyPathId: number): ModelEngine {
  return m.model === 'markov' ? createMarkovEngine(m.name, m.order, params, emptyPathId) : createExactSetShapleyEngine(m.name, emptyPathId);
}
