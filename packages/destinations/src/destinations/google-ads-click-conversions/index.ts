import { OAUTH_SCOPES } from '../../auth/scopes.js';
import { defineDestination } from '../../contract/destination.js';
import { googleAdsClickConversionsConfig, type GoogleAdsClickConversionsConfig } from './config.js';
import { googleAdsClickConversionsColumns, mapGoogleAdsClickConversion } from './map.js';
import type { GoogleAdsClickConversion } from './payload.js';
import { sendGoogleAdsClickConversions } from './send.js';

export type { GoogleAdsClickConversionsConfig } from './config.js';
export type { GoogleAdsClickConversion } from './payload.js';
export { googleAdsClickConversionsConfig } from './config.js';

/** Google Ads API `uploadClickConversions` with partial failure (activation-contracts.md §1). */
export const googleAdsClickConversions = defineDestination<GoogleAdsClickConversionsConfig, GoogleAdsClickConversion>({
  name: 'google-ads-click-conversions',
  title: 'Google Ads API click conversions (allow-listed tokens)',
  columns: googleAdsClickConversionsColumns,
  configSchema: googleAdsClickConversionsConfig,
  capabilities: {
    syncModes: ['insert'],
    dedupKey: { field: 'orderId', semantics: 'one conversion per orderId per action, else per click id + time; a repeat answers *_ALREADY_EXISTS / ORDER_ID_ALREADY_IN_USE (§1.6)' },
    // The quota is operations per day by access level (Explorer 2,880, Basic 15,000): not a request rate.
    rateLimit: null,
    rateLimitKey: (c) => `google-ads:${c.loginCustomerId ?? c.customerId}`,
    testMode: { kind: 'validate_only', enable: (c) => ({ ...c, validateOnly: true }) },
    endpointConfigKey: 'endpoint',
    adNetwork: true,
    atomicBatches: false,
    auth: { kind: 'oauth', provider: 'google', scopes: [OAUTH_SCOPES.google.ads] },
  },
  batching: {
    maxItems: 2000,
    maxBytes: 8 * 1024 * 1024,
    envelopeBytes: 128,
    distinctKeys: true,
    source: 'activation-contracts.md §1.3: at most 2000 conversions (TOO_MANY_CONVERSIONS_IN_REQUEST); duplicates in one request are DUPLICATE_*',
  },
  map: mapGoogleAdsClickConversion,
  send: sendGoogleAdsClickConversions,
});
