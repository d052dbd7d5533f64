import { linkedinAdsSource } from './linkedin-ads-source.js';
import { microsoftAdsSource } from './microsoft-ads-source.js';
import type { SpendSource } from './spend-source.js';
import { tiktokAdsSource } from './tiktok-ads-source.js';

/**
 * The LinkedIn, TikTok and Microsoft Advertising sources, for the pull runner's registry (which
 * holds Google Ads and Meta beside them). Each is a plain value: no I/O until `pull` is called.
 */
export const MORE_SPEND_SOURCES: readonly SpendSource[] = [linkedinAdsSource(), tiktokAdsSource(), microsoftAdsSource()];
