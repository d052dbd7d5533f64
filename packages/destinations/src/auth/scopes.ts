/**
 * OAuth scopes per vendor API, for activation (this package's destinations) and for the ad-spend
 * reporting pulls of issue 17, so the connect flow asks once for everything a connection needs
 * (reporting-and-spend.md §B1-§B5, §C1-§C5; activation-contracts.md §1.2, §1.11, §4.1, §5.1, §6.1).
 */
export const OAUTH_SCOPES = {
  google: {
    /** Data Manager API: conversions and Customer Match (no developer token). */
    dataManager: 'https://www.googleapis.com/auth/datamanager',
    /** Google Ads API: uploadClickConversions and GAQL reporting (searchStream). */
    ads: 'https://www.googleapis.com/auth/adwords',
  },
  linkedin: {
    /** Conversions API. */
    conversions: 'rw_conversions',
    /** Reading conversion rules, campaigns and accounts. */
    ads: 'r_ads',
    /** adAnalytics (spend). */
    reporting: 'r_ads_reporting',
  },
  microsoft: {
    /** Campaign Management (offline conversions) and Reporting. */
    ads: 'https://ads.microsoft.com/msads.manage',
    /** A refresh token comes back only with this. */
    offline: 'offline_access',
  },
  meta: {
    /** Marketing API Insights (spend); a system-user token granted it never expires (§C). */
    reporting: 'ads_read',
  },
  hubspot: {
    contactsWrite: 'crm.objects.contacts.write',
    contactsRead: 'crm.objects.contacts.read',
    /** Creating custom contact properties on first use. */
    schemasWrite: 'crm.schemas.contacts.write',
    oauth: 'oauth',
  },
  salesforce: {
    api: 'api',
    /** `refresh_token offline_access`: a refresh token comes back only with this. */
    refresh: 'refresh_token',
  },
} as const;

/** What a connection is for: sending (activation) and/or reading spend (reporting). */
export type OAuthPurpose = 'activation' | 'reporting';

const BY_PURPOSE: Readonly<Record<keyof typeof OAUTH_SCOPES, Readonly<Record<OAuthPurpose, readonly string[]>>>> = {
  google: {
    activation: [OAUTH_SCOPES.google.dataManager, OAUTH_SCOPES.google.ads],
    reporting: [OAUTH_SCOPES.google.ads],
  },
  linkedin: {
    activation: [OAUTH_SCOPES.linkedin.conversions, OAUTH_SCOPES.linkedin.ads],
    reporting: [OAUTH_SCOPES.linkedin.ads, OAUTH_SCOPES.linkedin.reporting],
  },
  microsoft: {
    activation: [OAUTH_SCOPES.microsoft.ads, OAUTH_SCOPES.microsoft.offline],
    reporting: [OAUTH_SCOPES.microsoft.ads, OAUTH_SCOPES.microsoft.offline],
  },
  // Meta's activation (CAPI, custom audiences) takes a system-user token from config, not an OAuth grant.
  meta: {
    activation: [],
    reporting: [OAUTH_SCOPES.meta.reporting],
  },
  hubspot: {
    activation: [OAUTH_SCOPES.hubspot.oauth, OAUTH_SCOPES.hubspot.contactsWrite, OAUTH_SCOPES.hubspot.contactsRead, OAUTH_SCOPES.hubspot.schemasWrite],
    reporting: [OAUTH_SCOPES.hubspot.oauth],
  },
  salesforce: {
    activation: [OAUTH_SCOPES.salesforce.api, OAUTH_SCOPES.salesforce.refresh],
    reporting: [OAUTH_SCOPES.salesforce.api, OAUTH_SCOPES.salesforce.refresh],
  },
};

/** The scopes to ask a vendor for, for these purposes, without duplicates, in a stable order. */
export function scopesFor(provider: keyof typeof OAUTH_SCOPES, purposes: readonly OAuthPurpose[] = ['activation']): string[] {
  return [...new Set(purposes.flatMap((p) => BY_PURPOSE[provider][p]))];
}
