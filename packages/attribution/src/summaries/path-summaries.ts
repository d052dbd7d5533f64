import type { Interner } from '../interner.js';
import { DAY_MS, type ResolvedParams } from '../params.js';
import type { PreparedPath } from '../prepared-path.js';
import type { AttributionResult } from '../result.js';
import { createTopDistinctPaths } from './top-distinct-paths.js';
import { createTopPaths } from './top-paths.js';
import { createWeightedHistogram } from './weighted-histogram.js';

/** The summaries a run computes besides the credits: only those named in `params.summaries`. */
export interface PathSummaries {
  /** Feeds the path as observed (after the lookback, before direct touches are left out). */
  add(p: PreparedPath): void;
  result(interner: Interner): Pick<AttributionResult, 'top_paths' | 'time_to_convert' | 'touches_to_convert'>;
  /** Distinct paths the top-paths table holds (0 when it is not asked for). */
  readonly topPathsSize: number;
}

export function createPathSummaries(p: ResolvedParams): PathSummaries {
  // Each summary costs work on every path; one not asked for does not exist.
  const topPaths = !p.summaries.has('top_paths') || p.topPaths === 0 ? null : p.pathsAreDistinct ? createTopDistinctPaths(p.topPaths) : createTopPaths(p.topPathsCapacity);
  const timeToConvert = p.summaries.has('time_to_convert') ? createWeightedHistogram() : null;
  const touchesToConvert = p.summaries.has('touches_to_convert') ? createWeightedHistogram() : null;
  const asked = p.summaries.has('top_paths');
  return {
    add(path) {
      topPaths?.add(path);
      touchesToConvert?.add(path.n, path.conversions);
      if (timeToConvert && !Number.isNaN(path.timeToConvertMs)) timeToConvert.add(Math.floor(path.timeToConvertMs / DAY_MS), path.conversions);
    },
    result(interner) {
      return {
        ...(asked ? { top_paths: topPaths ? topPaths.result(interner, p.topPaths) : { approximate: false, paths: [] } } : {}),
        ...(timeToConvert
          ? { time_to_convert: { ...timeToConvert.summary(), by_day: timeToConvert.entries().map(([days, conversions]) => ({ days, conversions })) } }
          : {}),
        ...(touchesToConvert
          ? { touches_to_convert: { ...touchesToConvert.summary(), by_touches: touchesToConvert.entries().map(([touches, conversions]) => ({ touches, conversions })) } }
          : {}),
      };
    },
    get topPathsSize() {
      return topPaths?.size ?? 0;
    },
  };
}
