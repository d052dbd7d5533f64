import type { PathInput } from './path-input.js';
import { timeMs } from './prepared-path.js';

/** One touch on a person's timeline, already labelled at the chosen level (channel, campaign…). */
export interface TimelineTouch {
  readonly at: string | number;
  readonly level: string;
}

/** One conversion on a person's timeline. */
export interface TimelineConversion {
  readonly at: string | number;
  /** @defaultValue 0 */
  readonly value?: number;
}

export interface SplitOptions {
  /**
   * Start a fresh path after each conversion (a repeat purchase is credited to the touches since
   * the previous one). `false`: every conversion sees every earlier touch (lookback still applies).
   * @defaultValue true
   */
  readonly resetAfterConversion?: boolean;
  /**
   * Emit the touches after the last conversion as a non-converting path (`nulls: 1`), which the
   * Markov model needs to see journeys that did not convert.
   * @defaultValue true
   */
  readonly includeNonConverting?: boolean;
}

/**
 * Splits one person's touches and conversions into conversion paths, each with `times` and
 * `converted_at` so the lookback window and time decay can apply. A touch at the same instant as a
 * conversion counts before it. Inputs need not be sorted.
 *
 * @example
 * ```ts
 * splitConversionPaths(
 *   [{ at: '2024-01-01T00:00:00Z', level: 'Paid Search' }, { at: '2024-01-05T00:00:00Z', level: 'Email' }],
 *   [{ at: '2024-01-03T00:00:00Z', value: 40 }],
 * ); // [{ path: ['Paid Search'], conversions: 1, value: 40, … }, { path: ['Email'], conversions: 0, nulls: 1, … }]
 * ```
 */
export function splitConversionPaths(
  touches: readonly TimelineTouch[],
  conversions: readonly TimelineConversion[],
  opts: SplitOptions = {},
): PathInput[] {
  const reset = opts.resetAfterConversion ?? true;
  const tail = opts.includeNonConverting ?? true;
  const ts = touches.map((t, i) => ({ ms: checked(t.at, `touches[${i}].at`), level: t.level })).sort((a, b) => a.ms - b.ms);
  const cs = conversions.map((c, i) => ({ ms: checked(c.at, `conversions[${i}].at`), value: c.value ?? 0 })).sort((a, b) => a.ms - b.ms);
  const out: PathInput[] = [];
  let from = 0;
  let next = 0;
  for (const c of cs) {
    while (next < ts.length && (ts[next]?.ms as number) <= c.ms) next++;
    const slice = ts.slice(reset ? from : 0, next);
    out.push({ path: slice.map((t) => t.level), times: slice.map((t) => t.ms), converted_at: c.ms, conversions: 1, value: c.value });
    if (reset) from = next;
  }
  if (tail && from < ts.length && (reset || cs.length === 0)) {
    const slice = ts.slice(from);
    out.push({ path: slice.map((t) => t.level), times: slice.map((t) => t.ms), conversions: 0, nulls: 1 });
  }
  return out;
}

function checked(at: string | number, where: string): number {
  const ms = timeMs(at);
  if (Number.isNaN(ms)) throw new RangeError(`splitConversionPaths: \`${where}\` must be an ISO-8601 time or epoch milliseconds (got ${JSON.stringify(at)})`);
  return ms;
}
