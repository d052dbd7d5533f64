/** Every model the engine runs, by the name used in options, JSON output and the CLI. */
export const MODEL_NAMES = [
  'first_touch',
  'last_touch',
  'last_non_direct',
  'linear',
  'time_decay',
  'position_based',
  'w_shaped',
  'full_path',
  'markov',
  'shapley',
  'ordered_shapley',
] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** The rule-based (heuristic) models: credit is decided per path from positions and times alone. */
export const RULE_MODELS = [
  'first_touch',
  'last_touch',
  'last_non_direct',
  'linear',
  'time_decay',
  'position_based',
  'w_shaped',
  'full_path',
] as const satisfies readonly ModelName[];
export type RuleModelName = (typeof RULE_MODELS)[number];

/**
 * A model to run. A bare name uses the shared params; the object form overrides the Markov order
 * per model, so several orders can run side by side (`name` labels them in the output).
 *
 * @example
 * ```ts
 * const models: ModelSpec[] = ['linear', { model: 'markov', order: 2, name: 'markov_2' }];
 * ```
 */
export type ModelSpec = ModelName | { readonly model: ModelName; readonly order?: number; readonly name?: string };

/** A model spec with every choice made. */
export interface ResolvedModel {
  readonly model: ModelName;
  /** The label in the output. */
  readonly name: string;
  /** Markov only. */
  readonly order: number;
}

export function isModelName(s: string): s is ModelName {
  return (MODEL_NAMES as readonly string[]).includes(s);
}

/**
 * Parses a comma-separated model list, as a CLI flag would carry it: `linear,markov:2,shapley`.
 * `markov:k` asks for order k. Returns the reason when a name is unknown.
 */
export function parseModelList(text: string): { ok: true; models: ModelSpec[] } | { ok: false; message: string } {
  const models: ModelSpec[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (!item) continue;
    const [name = '', order] = item.split(':');
    if (!isModelName(name)) {
      return { ok: false, message: `unknown model "${name}": use one of ${MODEL_NAMES.join(', ')}` };
    }
    if (order === undefined) {
      models.push(name);
      continue;
    }
    const k = Number(order);
    if (name !== 'markov' || !Number.isInteger(k)) {
      return { ok: false, message: `"${item}": only markov takes an order, as markov:1 to markov:4` };
    }
    models.push({ model: 'markov', order: k, name: `markov_${k}` });
  }
  if (models.length === 0) return { ok: false, message: 'no model given: name at least one, e.g. "linear"' };
  return { ok: true, models };
}
