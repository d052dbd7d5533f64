import type { AttributionParams } from '@touchline/attribution';
import type { ModelSettings } from '../definitions/model-settings.js';

/** The model parameters a request may set (the run sets the rest). */
export type RequestParams = Omit<AttributionParams, 'lookbackDays' | 'emptyPathChannel' | 'pathsAreDistinct' | 'summaries'>;

/**
 * The engine parameters of a request: the request's own, over the `attribution` config's
 * conventions (direct handling, direct labels, Markov's empty paths), with `direct` (the level's
 * direct value) as the empty-path bucket and always among the direct labels.
 */
export function engineParams(req: { readonly params?: RequestParams }, config: Pick<ModelSettings, 'attribution'>, direct: string, lookbackDays: number): AttributionParams {
  const a = config.attribution;
  return {
    ...req.params,
    lookbackDays,
    emptyPathChannel: direct,
    direct: req.params?.direct ?? a.direct,
    directLabels: [...new Set([direct, ...(req.params?.directLabels ?? a.directLabels)])],
    markov: { ...req.params?.markov, emptyPaths: req.params?.markov?.emptyPaths ?? a.markov.emptyPaths },
  };
}
