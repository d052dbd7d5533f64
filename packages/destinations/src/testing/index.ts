/**
 * `@touchline/destinations/testing`: contract stand-ins for the destination APIs, reused by the
 * server's sync-engine tests and benchmark. Each stand-in is a local node:http server written
 * from the vendor's published contract (every file cites its sources).
 */
export type {
  StandIn,
  StandInAnswer,
  ScriptedAnswer,
  FaultOptions,
  RateLimitOptions,
  RecordedRequest,
  AcceptedItem,
} from './stand-in-types.js';
export {
  startStandIn,
  type StandInOptions,
  type VendorContract,
  type HandlerContext,
  type TokenAuthority,
  type Refusal,
} from './stand-in-server.js';
export { seededRandom, seededShuffle } from './seeded-random.js';
export { googleError } from './stand-ins/data-manager-checks.js';
export {
  startGoogleDataManagerStandIn,
  type GoogleDataManagerStandIn,
  type GoogleDataManagerStandInOptions,
} from './stand-ins/google-data-manager-stand-in.js';
export { startMetaCapiStandIn, type MetaCapiStandInOptions } from './stand-ins/meta-capi-stand-in.js';
export {
  startSalesforceStandIn,
  DEFAULT_SALESFORCE_OBJECTS,
  type SalesforceStandIn,
  type SalesforceStandInOptions,
  type SalesforceObjectDescribe,
  type SalesforceFieldType,
} from './stand-ins/salesforce-stand-in.js';
export {
  startHubspotStandIn,
  DEFAULT_HUBSPOT_PROPERTIES,
  type HubspotStandIn,
  type HubspotStandInOptions,
  type HubspotPropertyDescribe,
} from './stand-ins/hubspot-stand-in.js';
export { recordingFetch, type RecordedCall } from './recording-fetch.js';
export { startLinkedinConversionsStandIn, type LinkedinConversionsStandInOptions } from './stand-ins/linkedin-conversions-stand-in.js';
export { startMicrosoftAdsStandIn, type MicrosoftAdsStandIn, type MicrosoftAdsStandInOptions } from './stand-ins/microsoft-ads-stand-in.js';
export { startGoogleAdsStandIn, type GoogleAdsStandIn, type GoogleAdsStandInOptions } from './stand-ins/google-ads-stand-in.js';
export { startGoogleAdsReportingStandIn, type GoogleAdsReportingStandIn, type GoogleAdsReportingStandInOptions, type GoogleAdsSpendFact } from './stand-ins/google-ads-reporting-stand-in.js';
export { startMetaInsightsStandIn, type MetaInsightsStandIn, type MetaInsightsStandInOptions, type MetaSpendFact } from './stand-ins/meta-insights-stand-in.js';
export { startBrazeStandIn, type BrazeStandIn } from './stand-ins/braze-stand-in.js';
export { startCustomerIoStandIn, type CustomerIoStandIn } from './stand-ins/customer-io-stand-in.js';
export { startAmplitudeStandIn } from './stand-ins/amplitude-stand-in.js';
export { startWebhookReceiver, type WebhookReceiver, type WebhookReceiverOptions } from './stand-ins/webhook-receiver-stand-in.js';
export { startMetaCustomAudienceStandIn, type MetaCustomAudienceStandInOptions } from './stand-ins/meta-custom-audience-stand-in.js';
export type { LateVerdict } from './stand-ins/data-manager-status.js';
export { startTiktokEventsStandIn, type TiktokEventsStandInOptions } from './stand-ins/tiktok-events-stand-in.js';
export { startLinkedinAdAnalyticsStandIn, type LinkedinAdAnalyticsStandInOptions, type LinkedinAnalyticsRow } from './stand-ins/linkedin-ad-analytics-stand-in.js';
export {
  startMicrosoftReportingStandIn,
  zipOneFile,
  type MicrosoftReportingStandIn,
  type MicrosoftReportingStandInOptions,
  type MicrosoftReportRow,
} from './stand-ins/microsoft-reporting-stand-in.js';
export { startTiktokReportingStandIn, type TiktokReportingStandInOptions, type TiktokReportRow } from './stand-ins/tiktok-reporting-stand-in.js';
export {
  startOAuthStandIn,
  startGoogleOAuthStandIn,
  startHubspotOAuthStandIn,
  startLinkedinOAuthStandIn,
  startMicrosoftOAuthStandIn,
  startSalesforceOAuthStandIn,
  type OAuthStandIn,
  type OAuthStandInOptions,
  type OAuthProfile,
  type TokenErrorKind,
} from './stand-ins/oauth/index.js';
