/**
 * One conversion path as the engine receives it: from a warehouse query (identical paths already
 * aggregated in SQL), from a paths file, or built by {@link splitConversionPaths}.
 *
 * The path elements are whatever level the caller chose (channel, source / medium, campaign, any
 * touch column): the engine only compares them as strings.
 *
 * @example
 * ```ts
 * const p: PathInput = { path: ['Paid Search', 'Email'], conversions: 2, value: 90, nulls: 5 };
 * ```
 */
export interface PathInput {
  /** Touches in time order, oldest first. An empty path is a conversion with no known touch. */
  readonly path: readonly string[];
  /**
   * Conversions that followed this exact path (need not be an integer: weighted conversions work).
   * @defaultValue 1
   */
  readonly conversions?: number;
  /** Revenue of those conversions, summed. @defaultValue 0 */
  readonly value?: number;
  /**
   * Journeys that followed this path and did not convert. Only the Markov model reads them: without
   * nulls it sees converting journeys only (ChannelAttribution's `var_null`).
   * @defaultValue 0
   */
  readonly nulls?: number;
  /**
   * When each touch happened: ISO-8601 strings or epoch milliseconds, one per touch. Needed by
   * time decay, the lookback window and time-to-convert.
   */
  readonly times?: readonly (string | number)[];
  /** When the conversion happened (ISO-8601 or epoch ms). @defaultValue the last touch's time */
  readonly converted_at?: string | number;
  /** Funnel milestones as touch indexes (0-based, into `path`), for W-shaped and full path. */
  readonly milestones?: Milestones;
}

/** Touch indexes of the funnel milestones (Marketo Measure's lead / opportunity / closed touches). */
export interface Milestones {
  /** The touch that created the lead. */
  readonly lead?: number;
  /** The touch that created the opportunity. */
  readonly opportunity?: number;
  /** The touch at which the deal closed. */
  readonly close?: number;
}
