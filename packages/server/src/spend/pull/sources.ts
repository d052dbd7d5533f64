import { googleAdsSource } from './google-ads-source.js';
import { metaInsightsSource } from './meta-insights-source.js';
import type { SpendSource } from './spend-source.js';

/**
 * Network name (`spend.pull.connections.<name>.network`) → its reporting source. LinkedIn,
 * TikTok and Microsoft Advertising join from more-sources.ts.
 */
export const SPEND_SOURCES: Readonly<Record<string, SpendSource>> = {
  [googleAdsSource.network]: googleAdsSource,
  [metaInsightsSource.network]: metaInsightsSource,
};
