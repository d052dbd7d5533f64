/**
 * `@touchline/destinations/conformance`: the one suite every destination runs (needs Vitest),
 * and the harnesses for the built-in destinations (sample configs and rows that the sync
 * engine's tests can reuse).
 */
export { runDestinationConformance } from './run-conformance.js';
export type { ConformanceHarness } from './harness.js';
export { googleDataManagerHarness, metaCapiHarness, salesforceHarness, hubspotHarness } from './harnesses.js';
export { tiktokEventsHarness, linkedinConversionsHarness, microsoftAdsConversionsHarness, googleAdsClickConversionsHarness, googleCustomerMatchHarness, metaCustomAudienceHarness } from './harnesses-ads.js';
export { brazeHarness, customerIoHarness, amplitudeHarness, webhookHarness } from './harnesses-crm.js';
