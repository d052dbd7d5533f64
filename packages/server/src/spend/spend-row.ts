/**
 * One day of one campaign (or ad group) on one ad network account: the spend fact every import
 * and pull produces. Cost is exact (`costMicros`, millionths of `currency`); the model never
 * changes it, only the credit that CPA and ROAS divide it by.
 */
export interface SpendRow {
  /** `google_ads`, `meta`, `linkedin`, `tiktok`, `microsoft_ads`, or any name the user picks. */
  readonly network: string;
  /** The ad account (customer id, `act_…`, advertiser id) as the network spells it. */
  readonly account: string;
  /** The day in the account's time zone, `YYYY-MM-DD`. */
  readonly date: string;
  readonly campaignId: string;
  readonly campaignName: string | null;
  /** '' when the row is for the whole campaign. */
  readonly adGroupId: string;
  readonly adGroupName: string | null;
  readonly costMicros: bigint;
  /** ISO 4217, upper case. */
  readonly currency: string;
  readonly impressions: number | null;
  readonly clicks: number | null;
  /** The network's own conversion count and value (its pixel, its windows): shown beside ours, never mixed in. */
  readonly networkConversions: number | null;
  readonly networkConversionValue: number | null;
}

/** The networks Touchline pulls from and knows click ids of; an import may name others. */
export const KNOWN_NETWORKS = ['google_ads', 'meta', 'linkedin', 'tiktok', 'microsoft_ads'] as const;

/**
 * The `source` values (after deriveSourceMedium: lower case) a network's landings carry, for
 * joining spend by campaign name: a name match counts only on the network's own traffic.
 */
export const NETWORK_SOURCES: Readonly<Record<string, readonly string[]>> = {
  google_ads: ['google', 'youtube', 'google_ads', 'adwords'],
  meta: ['facebook', 'fb', 'instagram', 'ig', 'meta', 'facebook_ads', 'messenger', 'an'],
  linkedin: ['linkedin', 'linkedin_ads', 'lnkd.in'],
  tiktok: ['tiktok', 'tiktok_ads'],
  microsoft_ads: ['bing', 'microsoft', 'microsoft_ads', 'msn'],
};

/** The sources a name join accepts for a network: its own list, else the network name itself. */
export function sourcesOfNetwork(network: string): readonly string[] {
  return NETWORK_SOURCES[network] ?? [network.toLowerCase()];
}

/** `' Spring Sale_2026 '` and `'spring sale 2026'` are one campaign: lower case, `_`/`-`/`+` and runs of spaces as one space. */
export function normaliseCampaignName(name: string): string {
  return name.normalize('NFKC').toLowerCase().replace(/[\s_+\-]+/g, ' ').trim();
}
