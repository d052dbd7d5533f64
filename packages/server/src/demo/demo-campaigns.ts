/**
 * The demo shop's marketing: where visitors come from and how much each campaign spends a day.
 * demo-spend.ts turns `dailySpend` into daily spend rows for the same campaigns, so the demo's
 * cost, CPA and ROAS columns fill like a real account's.
 */
export interface DemoCampaign {
  /** What a landing carries: UTMs, a click id, a referrer (none of them: a direct visit). */
  readonly utm?: { readonly source: string; readonly medium: string; readonly campaign: string };
  readonly clickId?: 'gclid' | 'fbclid' | 'msclkid' | 'li_fat_id' | 'ttclid';
  readonly referrer?: string;
  /** The ad network that bills it (a `KNOWN_NETWORKS` name: the spend rows' network), if any. */
  readonly platform?: 'google_ads' | 'meta' | 'microsoft_ads' | 'linkedin' | 'tiktok';
  /**
   * Spend per day in the shop's currency (USD). Sized for the default demo (1,500 people): brand
   * search pays back several times, prospecting on TikTok and Instagram does not.
   */
  readonly dailySpend: number;
  /** How likely a visit from here is (weights, summed over the list). */
  readonly weight: number;
  /** How much a visit from here raises the visitor's chance to buy. */
  readonly intent: number;
}

export const DEMO_CURRENCY = 'USD';

export const DEMO_CAMPAIGNS: readonly DemoCampaign[] = [
  { utm: { source: 'google', medium: 'cpc', campaign: 'brand_search' }, clickId: 'gclid', platform: 'google_ads', dailySpend: 40, weight: 14, intent: 0.3 },
  { utm: { source: 'google', medium: 'cpc', campaign: 'generic_running_shoes' }, clickId: 'gclid', platform: 'google_ads', dailySpend: 90, weight: 16, intent: 0.14 },
  { utm: { source: 'facebook', medium: 'paid_social', campaign: 'winter_retargeting' }, clickId: 'fbclid', platform: 'meta', dailySpend: 55, weight: 12, intent: 0.16 },
  { utm: { source: 'instagram', medium: 'paid_social', campaign: 'new_collection' }, clickId: 'fbclid', platform: 'meta', dailySpend: 45, weight: 8, intent: 0.08 },
  { utm: { source: 'bing', medium: 'cpc', campaign: 'generic_running_shoes' }, clickId: 'msclkid', platform: 'microsoft_ads', dailySpend: 15, weight: 4, intent: 0.12 },
  { utm: { source: 'tiktok', medium: 'paid_social', campaign: 'creator_launch' }, clickId: 'ttclid', platform: 'tiktok', dailySpend: 35, weight: 6, intent: 0.05 },
  { utm: { source: 'newsletter', medium: 'email', campaign: 'weekly_digest' }, dailySpend: 0, weight: 9, intent: 0.22 },
  { utm: { source: 'partnerblog', medium: 'affiliate', campaign: 'spring_reviews' }, dailySpend: 0, weight: 4, intent: 0.18 },
  { referrer: 'https://www.google.com/', dailySpend: 0, weight: 14, intent: 0.12 },
  { referrer: 'https://duckduckgo.com/', dailySpend: 0, weight: 2, intent: 0.12 },
  { referrer: 'https://news.ycombinator.com/item?id=1', dailySpend: 0, weight: 3, intent: 0.06 },
  { referrer: 'https://www.reddit.com/r/running/', dailySpend: 0, weight: 3, intent: 0.07 },
  { dailySpend: 0, weight: 12, intent: 0.2 },
];
