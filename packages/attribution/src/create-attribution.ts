import { createDirectLabels, dropDirectTouches } from './direct-touches.js';
import { createInterner } from './interner.js';
import { createMarkovEngine } from './markov/markov-engine.js';
import type { ModelEngine } from './model-engine.js';
import { type ModelSpec, type ResolvedModel, RULE_MODELS, type RuleModelName, isModelName, MODEL_NAMES } from './models.js';
import { resolveParams, DAY_MS, DirectPolicy, type AttributionParams } from './params.js';
import type { PathInput } from './path-input.js';
import { createPreparedPath, preparePath, type PathProblem } from './prepared-path.js';
import type { AttributionResult } from './result.js';
import { RULES } from './rules/index.js';
import { createRuleEngine } from './rules/rule-engine.js';
import type { RuleContext, RuleRequirement } from './rules/rule-model.js';
import { createExactSetShapleyEngine } from './shapley/exact-set-shapley.js';
import { createOrderedShapleyEngine } from './shapley/ordered-shapley.js';
import { createSimplifiedShapleyEngine } from './shapley/simplified-shapley.js';
import { createWeightedHistogram } from './summaries/weighted-histogram.js';
import { createTopDistinctPaths } from './summaries/top-distinct-paths.js';
import { createTopPaths } from './summaries/top-paths.js';

/** The answer of {@link Attribution.add}: the path was credited, or why it was refused (nothing credited). */
export type AddOutcome = { readonly ok: true } | ({ readonly ok: false } & PathProblem);

/** How much state the accumulator holds: bounded by distinct values, states and sets, never by paths. */
export interface StateSize {
  readonly levelValues: number;
  readonly modelEntries: number;
  readonly topPaths: number;
}

/**
 * A streaming attribution run: push paths one at a time (from a warehouse cursor, a file, a
 * test), then ask for the result. Rule models credit each path in O(path length); Markov keeps
 * transition counts, Shapley per-channel (or per-set) sums; nothing grows with the number of paths
 * (top paths over paths that are not aggregated excepted, up to its capacity).
 *
 * Per path: validate and intern, apply the lookback, feed the summaries asked for, leave out
 * direct touches (`direct: 'ignore'`), then credit every model.
 */
export interface Attribution {
  add(path: PathInput): AddOutcome;
  /** Every model's credits and the summaries. Can be called more than once; `add` may continue after. */
  result(): AttributionResult;
  stateSize(): StateSize;
}

const OK: AddOutcome = { ok: true };

/**
 * Starts an attribution run over the given models.
 *
 * @example
 * ```ts
 * const run = createAttribution(['last_touch', 'linear', 'markov'], { lookbackDays: 30 });
 * run.add({ path: ['Paid Search', 'Email'], conversions: 2, value: 90, nulls: 5 });
 * const { models } = run.result();
 * ```
 */
export function createAttribution(models: readonly ModelSpec[], params: AttributionParams = {}): Attribution {
  const p = resolveParams(params);
  const resolved = resolveModels(models, p.markov.order);
  const interner = createInterner();
  const emptyPathId = interner.id(p.emptyPathChannel);
  const direct = createDirectLabels(p.directLabels, interner);
  const ignoreDirect = p.direct === DirectPolicy.Ignore;
  const ctx: RuleContext = { params: p, isDirect: direct.isDirect };
  const requirements: RuleRequirement[] = [];
  const engines: ModelEngine[] = resolved.map((m) => {
    if ((RULE_MODELS as readonly string[]).includes(m.model)) {
      const rule = RULES[m.model as RuleModelName];
      if (rule.requires) requirements.push(rule.requires);
      return createRuleEngine(m.name, rule, ctx, emptyPathId);
    }
    switch (m.model) {
      case 'markov':
        return createMarkovEngine(m.name, m.order, p, emptyPathId);
      case 'ordered_shapley':
        return createOrderedShapleyEngine(m.name, emptyPathId);
      default:
        return p.shapley.characteristic === 'exact'
          ? createExactSetShapleyEngine(m.name, emptyPathId)
          : createSimplifiedShapleyEngine(m.name, emptyPathId);
    }
  });
  const prepared = createPreparedPath();
  // Only the summaries asked for exist: each costs work on every path.
  const topPaths = !p.summaries.has('top_paths') ? null : p.pathsAreDistinct ? createTopDistinctPaths(p.topPaths) : createTopPaths(p.topPathsCapacity);
  const timeToConvert = p.summaries.has('time_to_convert') ? createWeightedHistogram() : null;
  const touchesToConvert = p.summaries.has('touches_to_convert') ? createWeightedHistogram() : null;
  const totals = { paths: 0, conversions: 0, value: 0, nulls: 0, empty_path_conversions: 0 };

  return {
    add(path) {
      const problem = preparePath(path, p, interner, prepared);
      if (problem) return { ok: false, ...problem };
      if (prepared.n > 0 && (prepared.conversions > 0 || prepared.value > 0)) {
        for (const require of requirements) {
          const missing = require(prepared, ctx);
          if (missing) return { ok: false, ...missing };
        }
      }
      totals.paths++;
      totals.conversions += prepared.conversions;
      totals.value += prepared.value;
      totals.nulls += prepared.nulls;
      if (prepared.n === 0) totals.empty_path_conversions += prepared.conversions;
      // Summaries describe the path as observed (after the lookback), direct touches included.
      if (topPaths && p.topPaths > 0) topPaths.add(prepared);
      touchesToConvert?.add(prepared.n, prepared.conversions);
      if (timeToConvert && !Number.isNaN(prepared.timeToConvertMs)) timeToConvert.add(Math.floor(prepared.timeToConvertMs / DAY_MS), prepared.conversions);
      if (ignoreDirect && prepared.n > 1) dropDirectTouches(prepared, direct);
      for (const engine of engines) engine.add(prepared);
      return OK;
    },
    result() {
      return {
        models: engines.map((e) => e.result(interner)),
        totals: { ...totals },
        ...(topPaths ? { top_paths: topPaths.result(interner, p.topPaths) } : {}),
        ...(timeToConvert
          ? { time_to_convert: { ...timeToConvert.summary(), by_day: timeToConvert.entries().map(([days, conversions]) => ({ days, conversions })) } }
          : {}),
        ...(touchesToConvert
          ? { touches_to_convert: { ...touchesToConvert.summary(), by_touches: touchesToConvert.entries().map(([touches, conversions]) => ({ touches, conversions })) } }
          : {}),
      };
    },
    stateSize() {
      return {
        levelValues: interner.size,
        modelEntries: engines.reduce((s, e) => s + e.stateSize(), 0),
        topPaths: topPaths?.size ?? 0,
      };
    },
  };
}

function resolveModels(models: readonly ModelSpec[], defaultOrder: number): ResolvedModel[] {
  if (models.length === 0) throw new RangeError(`createAttribution: name at least one model (${MODEL_NAMES.join(', ')})`);
  const out: ResolvedModel[] = [];
  const names = new Set<string>();
  for (const spec of models) {
    const model = typeof spec === 'string' ? spec : spec.model;
    if (!isModelName(model)) throw new RangeError(`createAttribution: unknown model "${String(model)}"; use one of ${MODEL_NAMES.join(', ')}`);
    const order = typeof spec === 'string' ? defaultOrder : (spec.order ?? defaultOrder);
    if (!Number.isInteger(order) || order < 1 || order > 4) throw new RangeError(`createAttribution: markov order must be 1 to 4 (got ${order})`);
    const name = typeof spec === 'string' ? spec : (spec.name ?? spec.model);
    if (names.has(name)) throw new RangeError(`createAttribution: two models are labelled "${name}"; give one a distinct \`name\``);
    names.add(name);
    out.push({ model, name, order });
  }
  return out;
}

/** Runs `models` over paths already in memory (a convenience over {@link createAttribution}). */
export function attribute(paths: Iterable<PathInput>, models: readonly ModelSpec[], params: AttributionParams = {}): AttributionResult {
  const run = createAttribution(models, params);
  let index = 0;
  for (const path of paths) {
    const outcome = run.add(path);
    if (!outcome.ok) throw new RangeError(`path ${index}: ${outcome.message}`);
    index++;
  }
  return run.result();
}

