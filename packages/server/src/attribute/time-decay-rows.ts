import { DirectPolicy, resolveParams, type AttributionParams } from '@touchline/attribution';
import type { SqlParams } from '../warehouse/warehouse.js';

/**
 * Time decay credited in the warehouse, for one half-life and direct handling: per level value,
 * the sum over conversions of each touch's share `2^(−age/H) / Σ 2^(−age/H)` (its conversion
 * credit) and of that share times the conversion's value. The engine then adds a dozen rows, not
 * 300,000 per-conversion records (what kept the page default around 1 s on 10M events).
 *
 * Exact for the half-life it was computed with, not an approximation: the same weights the engine
 * computes (ages relative to the newest touch, `exp(−Δ·ln2/H)` with the engine's `ln2/H`, direct
 * touches dropped as `direct: 'ignore'` drops them), summed in conversion and touch order, so every
 * run over the same journeys gives the same bits, computed or stored. Another half-life is another
 * set of rows (the stored ones are kept per half-life: see stored-decay.ts).
 */
export interface DecaySettings {
  /** `ln 2 / halfLifeMs`, as the engine computes it. */
  readonly tl_decay_rate: number;
  /** With `direct: 'ignore'`: the direct labels, lower-cased, joined by {@link LABELS_SEPARATOR}; else null. */
  readonly tl_decay_direct: string | null;
}

/** Level values never hold a control character (levelSql replaces them), so this never splits a label that could match. */
const LABELS_SEPARATOR = '\u001f';

/** The settings of the engine's time decay for these (unresolved) engine parameters. */
export function decaySettings(params: AttributionParams): DecaySettings {
  const p = resolveParams(params);
  const direct = p.direct === DirectPolicy.Ignore ? p.directLabels.map((l) => l.toLowerCase()).join(LABELS_SEPARATOR) : null;
  return { tl_decay_rate: Math.LN2 / p.halfLifeMs, tl_decay_direct: direct };
}

export function decayParams(d: DecaySettings): SqlParams {
  return { tl_decay_rate: d.tl_decay_rate, tl_decay_direct: d.tl_decay_direct };
}

/**
 * `(level, credit, value)` rows from the numbered conversions in relation `p` (`cid`, `t`,
 * `value`, `touches`; see `journeyRowsSql`) whose path holds more than one level value — the
 * others go to their one value whatever the ages, and stay `u` rows. Binds `$tl_decay_rate` and
 * `$tl_decay_direct`.
 */
export function decayedCreditsSql(p: string): string {
  const levels = 'list_transform(touches, x -> x.l)';
  // GA4's direct handling as dropDirectTouches applies it: direct touches leave a path that holds anything else.
  const isDirect = `coalesce(list_contains(string_split(CAST($tl_decay_direct AS VARCHAR), '${LABELS_SEPARATOR}'), lower(x.l)), false)`;
  return `SELECT l AS level, list_sum(list(share ORDER BY cid, i)) AS credit, list_sum(list(share * value ORDER BY cid, i)) AS value FROM (
  SELECT cid, value, i, ws[i].l AS l, ws[i].w / s AS share FROM (
    SELECT cid, value, ws, list_sum(list_transform(ws, x -> x.w)) AS s, unnest(range(1, len(ws) + 1)) AS i FROM (
      SELECT cid, value, list_transform(a, x -> {l: x.l, w: exp(-CAST(x.a - newest AS DOUBLE) * CAST($tl_decay_rate AS DOUBLE))}) AS ws FROM (
        SELECT cid, value, a, list_min(list_transform(a, x -> x.a)) AS newest FROM (
          SELECT cid, value, CASE WHEN len(kept) = 0 THEN all_touches ELSE kept END AS a FROM (
            SELECT cid, value, all_touches, list_filter(all_touches, x -> NOT ${isDirect}) AS kept FROM (
              SELECT cid, value, list_transform(touches, x -> {l: x.l, a: t - x.t}) AS all_touches FROM ${p} WHERE len(list_distinct(${levels})) > 1))))))
) GROUP BY l`;
}
