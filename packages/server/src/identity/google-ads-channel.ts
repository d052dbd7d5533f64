import { CLICK_IDS } from '@touchline/protocol';
import type { SqlDialect } from '../warehouse/dialect/dialect.js';

/**
 * GA4's channel for an auto-tagged Google Ads click, from the campaign's metadata
 * (`ad_campaigns`): GA4 labels such traffic by the ad *network* type, not by source / medium
 * (reporting-and-spend.md §B0, support.google.com/analytics/answer/9756891). The network type
 * decides where it is known; else the campaign type does.
 *
 * Where GA4 documents no rule, our choice (docs/spend.md says the same):
 * - Demand Gen (`DEMAND_GEN`, and its GMAIL / DISCOVER / MAPS network types): Cross-network, as
 *   Performance Max: one campaign serving YouTube, Discover and Gmail is no single network.
 * - `SHOPPING` → Paid Shopping: GA4's own Paid Shopping rule is for manual tags; a Shopping
 *   campaign's click is the same traffic.
 * - Smart, Local and app (`MULTI_CHANNEL`) campaigns: Cross-network (they serve on several networks).
 * - Hotel, Travel, Local Services, unknown: no label of ours; the channel rules decide.
 */
export const GOOGLE_NETWORK_TYPE_CHANNEL: Readonly<Record<string, string>> = {
  SEARCH: 'Paid Search',
  SEARCH_PARTNERS: 'Paid Search',
  CONTENT: 'Display',
  YOUTUBE: 'Paid Video',
  YOUTUBE_SEARCH: 'Paid Video',
  YOUTUBE_WATCH: 'Paid Video',
  GOOGLE_TV: 'Paid Video',
  MIXED: 'Cross-network',
  GMAIL: 'Cross-network',
  DISCOVER: 'Cross-network',
  MAPS: 'Cross-network',
};

export const GOOGLE_CAMPAIGN_TYPE_CHANNEL: Readonly<Record<string, string>> = {
  SEARCH: 'Paid Search',
  SHOPPING: 'Paid Shopping',
  VIDEO: 'Paid Video',
  DISPLAY: 'Display',
  PERFORMANCE_MAX: 'Cross-network',
  DEMAND_GEN: 'Cross-network',
  DISCOVERY: 'Cross-network',
  SMART: 'Cross-network',
  LOCAL: 'Cross-network',
  MULTI_CHANNEL: 'Cross-network',
};

/**
 * The labels the campaign metadata may refine. A custom channel ("Brand Search") is the user's
 * word and stays; GA4's own labels for Google paid traffic are what GA4 would re-label too.
 */
export const GOOGLE_PAID_LABELS = ['Paid Search', 'Paid Shopping', 'Paid Video', 'Display', 'Cross-network', 'Paid Other'] as const;

/** Google Ads' auto-tagging ids (gclid, gbraid, wbraid): DV360's dclid is another product's click. */
export const GOOGLE_ADS_CLICK_COLUMNS = CLICK_IDS.filter((e) => e.googleAutoTagging && e.network === 'google_ads').map((e) => e.column);

function caseOf(f: SqlDialect, col: string, map: Readonly<Record<string, string>>): string {
  return `(CASE ${Object.entries(map).map(([k, v]) => `WHEN upper(${col}) = ${f.literal(k)} THEN ${f.literal(v)}`).join(' ')} END)`;
}

/**
 * `(SELECT gc_id, gc_channel FROM ad_campaigns)`: each Google Ads campaign's GA4 channel, NULL
 * where neither its network type nor its campaign type has one. One row per campaign id.
 */
export function googleCampaignChannelsSql(f: SqlDialect, final: boolean): string {
  const label = `coalesce(${caseOf(f, 'ad_network_type', GOOGLE_NETWORK_TYPE_CHANNEL)}, ${caseOf(f, 'channel_type', GOOGLE_CAMPAIGN_TYPE_CHANNEL)})`;
  return `(SELECT campaign_id AS gc_id, ${f.nullable(label)} AS gc_channel FROM ad_campaigns${final ? ' FINAL' : ''} WHERE network = 'google_ads')`;
}

/**
 * The channel of a sessions row: the campaign's GA4 label when the landing is an auto-tagged
 * Google Ads click carrying its campaign id (`utm_id`) and the rules gave one of GA4's Google paid
 * labels; the rules' channel otherwise. On read: new metadata re-labels history.
 */
export function googleAdsChannelSql(f: SqlDialect, ruleChannel: string, campaignChannel: string): string {
  const google = `implied_click IN (${GOOGLE_ADS_CLICK_COLUMNS.map((c) => f.literal(c)).join(', ')})`;
  const paid = `${ruleChannel} IN (${GOOGLE_PAID_LABELS.map((l) => f.literal(l)).join(', ')})`;
  return `coalesce(CASE WHEN ${google} AND ${paid} THEN ${campaignChannel} END, ${ruleChannel})`;
}
