import { DirectLabels, dropDirectTouches } from './direct-touches.js';
import { createInterner } from './interner.js';
import { createModelSet } from './model-set.js';
import { type ModelSpec, type ResolvedModel, isModelName, MODEL_NAMES } from './models.js';
import { resolveParams, DirectPolicy, type AttributionParams } from './params.js';
import type { PathInput } from './path-input.js';
import { createPreparedPath, preparePath, type PathProblem } from './prepared-path.js';
import type { AttributionResult } from './result.js';
import type { RuleContext } from './rules/rule-model.js';
import { createPathSummaries } from './summaries/path-summaries.js';

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
  const direct = new DirectLabels(p.directLabels, interner);
  const ignoreDirect = p.direct === DirectPolicy.Ignore;
  const ctx: RuleContext = { params: p, isDirect: (id) => direct.isDirect(id) };
  const set = createModelSet(resolved, p, ctx, emptyPathId);
  const requirements = set.requirements;
  const prepared = createPreparedPath();
  const summaries = createPathSummaries(p);
  const totals = { paths: 0, conversions: 0, value: 0, nulls: 0, empty_path_conversions: 0 };

  return {
    add(path) {
      const problem = preparePath(path, p, interner, prepared, direct);
      if (problem) return { ok: false, ...problem };
      // Requirements ask only for times and milestones: a path with all of them skips the checks.
      const complete = prepared.hasTimes && prepared.lead >= 0 && prepared.opportunity >= 0 && prepared.close >= 0;
      if (!complete && prepared.n > 0 && (prepared.conversions > 0 || prepared.value > 0)) {
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
      summaries.add(prepared);
      if (ignoreDirect && prepared.directs > 0) dropDirectTouches(prepared, direct);
      set.add(prepared);
      return OK;
    },
    result() {
      return {
        models: set.results(interner),
        totals: { ...totals },
        ...summaries.result(interner),
      };
    },
    stateSize() {
      return {
        levelValues: interner.size,
        modelEntries: set.stateSize(),
        topPaths: summaries.topPathsSize,
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

