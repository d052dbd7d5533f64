/** Conversions and revenue credited to one level value. */
export interface Credit {
  conversions: number;
  value: number;
}

/** One model's answer: the JSON object the CLI prints per model. Numbers are not rounded. */
export interface ModelResult {
  /** The model's label (its name, or the spec's `name`). */
  readonly model: string;
  /** Credit per level value. */
  readonly credits: Record<string, Credit>;
  /** Markov: the order. */
  readonly order?: number;
  /** Markov: P(conversion) from (start), and its value-weighted counterpart. */
  readonly p_conversion?: Credit;
  /** Markov: relative removal effect RE_c = 1 − P(conv | c removed) / P(conv), for conversions and for value. */
  readonly removal_effects?: Record<string, Credit>;
  /**
   * Markov, with `markov.transitions`: P(from → to) by state label. States are `(start)`,
   * `(conversion)`, `(null)` and level values (order k: k values joined by ` > `).
   */
  readonly transitions?: Record<string, Record<string, number>>;
  /** Markov: the max_step applied, when truncated. */
  readonly max_step?: number;
  /** Ordered Shapley: conversions credited per level value and touch position (index 0 = first touch). */
  readonly positions?: Record<string, number[]>;
  /** Shapley: the characteristic function used. */
  readonly characteristic?: 'subset' | 'exact';
}

export interface TopPath {
  readonly path: string[];
  readonly conversions: number;
  readonly value: number;
  readonly nulls: number;
}

export interface Distribution {
  /** Conversions that the distribution covers. */
  readonly conversions: number;
  readonly mean: number;
  readonly median: number;
  readonly p90: number;
}

export interface TimeToConvert extends Distribution {
  /** Conversions by whole days between the first kept touch and the conversion. */
  readonly by_day: { days: number; conversions: number }[];
}

export interface TouchesToConvert extends Distribution {
  /** Conversions by number of touches on the path (after the lookback window). */
  readonly by_touches: { touches: number; conversions: number }[];
}

export interface Totals {
  /** Path records added (an aggregated record counts once). */
  readonly paths: number;
  readonly conversions: number;
  readonly value: number;
  readonly nulls: number;
  /** Conversions whose path was empty (after the lookback window): they go to `emptyPathChannel`. */
  readonly empty_path_conversions: number;
}

/**
 * Every model's credits, the totals, and the summaries named in `params.summaries` (all three by
 * default): a summary not asked for is absent, never empty.
 */
export interface AttributionResult {
  readonly models: ModelResult[];
  readonly totals: Totals;
  /** The most converting paths (as observed, direct touches included); `approximate` once the distinct-path capacity was exceeded. */
  readonly top_paths?: { approximate: boolean; paths: TopPath[] };
  /** Only paths that carry `times` and `converted_at`. */
  readonly time_to_convert?: TimeToConvert;
  readonly touches_to_convert?: TouchesToConvert;
}
