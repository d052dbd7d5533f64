import { googleAdsSource } from './google-ads-source.js';
import { metaInsightsSource } from './meta-insights-source.js';
import { MORE_SPEND_SOURCES } from './more-sources.js';
import type { SpendSource } from './spend-source.js';

/**
 * Network name (`spend.pull.connections.<name>.network`) → its reporting source: Google Ads and
 * Meta here, LinkedIn, TikTok and Microsoft Advertising from more-sources.ts.
 */
export const SPEND_SOURCES: Readonly<Record<string, SpendSource>> = {
  [googleAdsSource.network]: googleAdsSource,
  [metaInsightsSource.network]: metaInsightsSource,
  ...Object.fromEntries(MORE_SPEND_SOURCES.map((s) => [s.network, s])),
};
