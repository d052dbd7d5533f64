import { OAUTH_SCOPES } from '../../auth/scopes.js';
import { defineDestination } from '../../contract/destination.js';
import { linkedinConversionsConfig, type LinkedinConversionsConfig } from './config.js';
import { linkedinConversionsColumns, mapLinkedinConversion } from './map.js';
import type { LinkedinConversionEvent } from './payload.js';
import { sendLinkedinConversions } from './send.js';

export type { LinkedinConversionsConfig } from './config.js';
export type { LinkedinConversionEvent } from './payload.js';
export { linkedinConversionsConfig } from './config.js';

/** LinkedIn Conversions API (activation-contracts.md §4). */
export const linkedinConversions = defineDestination<LinkedinConversionsConfig, LinkedinConversionEvent>({
  name: 'linkedin-conversions',
  title: 'LinkedIn Conversions API',
  columns: linkedinConversionsColumns,
  configSchema: linkedinConversionsConfig,
  capabilities: {
    syncModes: ['insert'],
    dedupKey: { field: 'eventId', semantics: 'conversion rule + eventId; LinkedIn dedups with the Insight Tag event_id (§4.2)' },
    rateLimit: {
      requests: 600,
      windowMs: 60_000,
      scope: 'app',
      source: 'activation-contracts.md §4.3: 600 requests/min per app (sources conflict: RudderStack says 300 events/min; set the account rateLimit lower if yours is)',
    },
    rateLimitKey: (c) => `linkedin:${c.adAccountId ?? c.conversionRuleId}`,
    testMode: { kind: 'none', note: 'LinkedIn has no test mode for the Conversions API; use a conversion rule on a test ad account' },
    endpointConfigKey: 'endpoint',
    adNetwork: true,
    atomicBatches: false,
    auth: { kind: 'oauth', provider: 'linkedin', scopes: [OAUTH_SCOPES.linkedin.conversions, OAUTH_SCOPES.linkedin.ads] },
  },
  batching: {
    maxItems: 5000,
    // No byte limit in the research notes; a guard.
    maxBytes: 8 * 1024 * 1024,
    envelopeBytes: 32,
    distinctKeys: true,
    source: 'activation-contracts.md §4.3: up to 5,000 elements per BATCH_CREATE',
  },
  map: mapLinkedinConversion,
  send: sendLinkedinConversions,
});
