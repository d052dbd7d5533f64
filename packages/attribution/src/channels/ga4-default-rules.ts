import type { ChannelRule, Condition } from './channel-rule.js';
import { SOURCE_CATEGORY } from './ga4-source-categories.js';

/**
 * The GA4 default channel group, pinned to Google's "[GA4] Default channel group" page
 * (support.google.com/analytics/answer/9756891) as of November 2023, the version Velir/dbt-ga4
 * aligned to in @2d7b1f1 ("Align default channel groupings with GA4 docs") and listed in
 * shared/research/attribution-models.md §5.1. Older snapshots of the page have a shorter table
 * (paid regex `^(cpc|ppc|paidsearch)$`); this is the newer one.
 *
 * Where Google writes "=" (Email, Affiliates) this follows Google's exact match, not dbt-ga4's
 * substring match.
 */
export const GA4_RULES_VERSION = 'ga4-2023-11';

/** Google's paid-medium regex: "cp" anywhere (cpc, cpm, cpv…), ppc, retargeting, paid…. */
export const GA4_PAID_MEDIUM = '^(.*cp.*|ppc|retargeting|paid.*)$';
/** Google's shopping-campaign regex: "shop" not preceded by a letter other than e, or "shopping". */
export const GA4_SHOPPING_CAMPAIGN = '^(.*(([^a-df-z]|^)shop|shopping).*)$';

const category = (value: string): Condition => ({ field: 'source_category', op: 'exact', value });
const paid: Condition = { field: 'medium', op: 'regex', value: GA4_PAID_MEDIUM };
const shopCampaign: Condition = { field: 'campaign', op: 'regex', value: GA4_SHOPPING_CAMPAIGN };
const emails = ['email', 'e-mail', 'e_mail', 'e mail'];

export const GA4_DEFAULT_CHANNEL_RULES: readonly ChannelRule[] = [
  {
    channel: 'Direct',
    when: { all: [{ field: 'source', op: 'exact', value: '(direct)' }, { field: 'medium', op: 'in', value: ['(not set)', '(none)'] }] },
  },
  { channel: 'Cross-network', when: { field: 'campaign', op: 'contains', value: 'cross-network' } },
  { channel: 'Paid Shopping', when: { all: [{ any: [category(SOURCE_CATEGORY.Shopping), shopCampaign] }, paid] } },
  { channel: 'Paid Search', when: { all: [category(SOURCE_CATEGORY.Search), paid] } },
  { channel: 'Paid Social', when: { all: [category(SOURCE_CATEGORY.Social), paid] } },
  { channel: 'Paid Video', when: { all: [category(SOURCE_CATEGORY.Video), paid] } },
  { channel: 'Display', when: { field: 'medium', op: 'in', value: ['display', 'banner', 'expandable', 'interstitial', 'cpm'] } },
  { channel: 'Paid Other', when: paid },
  { channel: 'Organic Shopping', when: { any: [category(SOURCE_CATEGORY.Shopping), shopCampaign] } },
  {
    channel: 'Organic Social',
    when: {
      any: [
        category(SOURCE_CATEGORY.Social),
        { field: 'medium', op: 'in', value: ['social', 'social-network', 'social-media', 'sm', 'social network', 'social media'] },
      ],
    },
  },
  { channel: 'Organic Video', when: { any: [category(SOURCE_CATEGORY.Video), { field: 'medium', op: 'regex', value: '^(.*video.*)$' }] } },
  { channel: 'Organic Search', when: { any: [category(SOURCE_CATEGORY.Search), { field: 'medium', op: 'exact', value: 'organic' }] } },
  { channel: 'Referral', when: { field: 'medium', op: 'in', value: ['referral', 'app', 'link'] } },
  { channel: 'Email', when: { any: [{ field: 'source', op: 'in', value: emails }, { field: 'medium', op: 'in', value: emails }] } },
  { channel: 'Affiliates', when: { field: 'medium', op: 'exact', value: 'affiliate' } },
  { channel: 'Audio', when: { field: 'medium', op: 'exact', value: 'audio' } },
  { channel: 'SMS', when: { any: [{ field: 'source', op: 'exact', value: 'sms' }, { field: 'medium', op: 'exact', value: 'sms' }] } },
  {
    channel: 'Mobile Push Notifications',
    when: {
      any: [
        { field: 'medium', op: 'ends', value: 'push' },
        { field: 'medium', op: 'contains', value: 'mobile' },
        { field: 'medium', op: 'contains', value: 'notification' },
        { field: 'source', op: 'exact', value: 'firebase' },
      ],
    },
  },
];

/** GA4's name for a touch no rule matched. */
export const GA4_FALLBACK_CHANNEL = 'Unassigned';
