import { OAUTH_SCOPES } from '../../auth/scopes.js';
import { defineDestination } from '../../contract/destination.js';
import { microsoftAdsConversionsConfig, type MicrosoftAdsConversionsConfig } from './config.js';
import { mapMicrosoftConversion, microsoftAdsConversionsColumns } from './map.js';
import type { MicrosoftOfflineConversion } from './payload.js';
import { sendMicrosoftConversions } from './send.js';

export type { MicrosoftAdsConversionsConfig } from './config.js';
export type { MicrosoftOfflineConversion } from './payload.js';
export { microsoftAdsConversionsConfig } from './config.js';

/** Microsoft Advertising offline conversions by msclkid (activation-contracts.md §5.1). */
export const microsoftAdsConversions = defineDestination<MicrosoftAdsConversionsConfig, MicrosoftOfflineConversion>({
  name: 'microsoft-ads-conversions',
  title: 'Microsoft Advertising offline conversions',
  columns: microsoftAdsConversionsColumns,
  configSchema: microsoftAdsConversionsConfig,
  capabilities: {
    syncModes: ['insert'],
    dedupKey: { field: 'MicrosoftClickId + ConversionTime', semantics: 'per goal, the same click id and conversion time are ignored after the first (§5.1)' },
    // No documented fixed rate: throttling is fault 117 CallRateExceeded.
    rateLimit: null,
    rateLimitKey: (c) => `microsoft-ads:${c.customerAccountId}`,
    testMode: { kind: 'none', note: 'Microsoft Advertising has no dry run for ApplyOfflineConversions; point endpoint at the sandbox (campaign.api.sandbox.bingads.microsoft.com)' },
    endpointConfigKey: 'endpoint',
    adNetwork: true,
    atomicBatches: false,
    auth: { kind: 'oauth', provider: 'microsoft', scopes: [OAUTH_SCOPES.microsoft.ads, OAUTH_SCOPES.microsoft.offline] },
  },
  batching: {
    maxItems: 1000,
    // No byte limit in the research notes; a guard.
    maxBytes: 4 * 1024 * 1024,
    envelopeBytes: 64,
    distinctKeys: true,
    source: 'activation-contracts.md §5.1: at most 1,000 OfflineConversions per request',
  },
  map: mapMicrosoftConversion,
  send: sendMicrosoftConversions,
});
