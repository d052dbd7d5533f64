import type { ModelResult } from './result.js';

/** Models side by side: one row per level value, one column per model. */
export interface ModelComparison {
  readonly metric: 'conversions' | 'value';
  readonly models: string[];
  /** Sorted by the first model's credit, highest first. */
  readonly rows: { level: string; credits: number[] }[];
}

/**
 * Puts several models' credits side by side, the report marketers read to see how much the answer
 * depends on the model.
 *
 * @example
 * ```ts
 * compareModels(attribute(paths, ['last_touch', 'linear', 'markov']).models, 'value');
 * ```
 */
export function compareModels(models: readonly ModelResult[], metric: 'conversions' | 'value' = 'conversions'): ModelComparison {
  const levels = new Set<string>();
  for (const m of models) for (const k of Object.keys(m.credits)) levels.add(k);
  const rows = [...levels].map((level) => ({ level, credits: models.map((m) => m.credits[level]?.[metric] ?? 0) }));
  rows.sort((a, b) => (b.credits[0] ?? 0) - (a.credits[0] ?? 0) || a.level.localeCompare(b.level));
  return { metric, models: models.map((m) => m.model), rows };
}
