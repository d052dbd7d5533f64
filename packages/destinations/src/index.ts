// The contract
export type { Row, RowRef } from './contract/row.js';
export {
  ROW_STATUS,
  mapped,
  refuse,
  type RowStatus,
  type RowResult,
  type VendorAnswer,
  type Rejection,
  type MappedItem,
  type MapOutcome,
  type BatchItem,
} from './contract/result.js';
export {
  systemClock,
  silentLogger,
  type Clock,
  type Logger,
  type FetchLike,
  type FetchInit,
  type FetchResponse,
  type SendContext,
  type MapEnv,
  type MemberOp,
} from './contract/context.js';
export type { Receipt, PendingRow, LateResult, AsyncOutcomes } from './contract/outcomes.js';
export {
  SYNC_MODES,
  MODE_DELETES,
  type SyncMode,
  type RateLimit,
  type TestModeSupport,
  type Capabilities,
  type AuthSupport,
  type AudienceSupport,
  type OAuthProviderName,
  type StandardEvents,
  type DeleteSupport,
} from './contract/capabilities.js';
export { planBatches, itemBytes, type BatchRule, type BatchPlan } from './contract/batching.js';
export { defineDestination, parseConfig, type Destination } from './contract/destination.js';
export { deliver, type DeliverOptions } from './contract/deliver.js';
export { rowResult, wholeBatch } from './contract/row-results.js';
export { ROW_CODES, isRowCode, rowCodes, type RowCode, type RowCodes, type RowStage } from './contract/row-codes.js';
export { readString, readNumber, readTime } from './contract/row-values.js';

// Credentials: token providers and the 401-refresh-once request
export {
  staticToken,
  AUTH_FAILURE,
  type AccessToken,
  type AccessTokenProvider,
  type AuthFailure,
  type AuthFailureKind,
  type TokenResult,
  type TokenState,
} from './auth/access-token.js';
export type { RefreshGrant, GrantResult, MintedToken } from './auth/refresh-grant.js';
export { createTokenProvider, type TokenProviderOptions } from './auth/token-provider.js';
export {
  exchangeAuthorized,
  authFailureResults,
  tokenSource,
  CREDENTIAL_CODES,
  type AuthorizedExchange,
} from './auth/authorized-exchange.js';
export { OAUTH_SCOPES, scopesFor, type OAuthPurpose } from './auth/scopes.js';
// OAuth clients: authorization URLs, the first code exchange, refresh grants per vendor
export { createPkce, pkceChallenge, authorizationUrl, type Pkce, type AuthorizationRequest } from './auth/oauth/authorization-url.js';
export type { OAuthCaps, OAuthClient } from './auth/oauth/oauth-caps.js';
export { oauthVendor, type OAuthVendor, type OAuthVendorSpec, type OAuthAppSettings, type CodeExchange } from './auth/oauth/oauth-vendor.js';
export { callTokenEndpoint, type TokenCall } from './auth/oauth/token-endpoint.js';
export { classifyTokenError } from './auth/oauth/token-errors.js';
export { signJwtRs256 } from './auth/oauth/jwt-bearer.js';
export { googleOAuth } from './auth/providers/google.js';
export { hubspotOAuth } from './auth/providers/hubspot.js';
export { linkedinOAuth } from './auth/providers/linkedin.js';
export { microsoftOAuth, type MicrosoftAppSettings } from './auth/providers/microsoft.js';
export { salesforceOAuth, salesforceJwtGrant, type SalesforceAppSettings, type SalesforceJwtSettings } from './auth/providers/salesforce.js';

// Failures, rate limits, retries
export {
  classifyHttp,
  classifyNetworkError,
  OUTCOME,
  type Classification,
  type HttpAnswer,
  type HeaderReader,
  type VendorRule,
} from './http/classify.js';
export { parseRetryAfter, parseProtoDuration } from './http/retry-after.js';
export { createTokenBucket, createTokenBuckets, type TokenBucket, type TakeResult } from './http/token-bucket.js';
export {
  createRetryPolicy,
  type RetryPolicy,
  type RetryPolicyOptions,
  type RetryDecision,
} from './http/retry-policy.js';

// Consent, normalisation, hashing
export { adConsentRejection, readFlag, CONSENT_COLUMNS } from './consent/consent-guard.js';
export { sha256Hex, isSha256Hex, hashNormalized } from './normalize/sha256.js';
export { normalizeEmailForGoogle, normalizeEmailForMeta } from './normalize/email.js';
export { toE164, parseE164, phoneProblemText, normalizePhoneForMeta, type E164Result, type PhoneProblem } from './normalize/phone.js';
export { normalizeEmailForCrm, trimCrmString } from './normalize/crm-values.js';
export * from './normalize/name-address.js';

// Destinations and the registry
export * from './destinations/google-data-manager/index.js';
export * from './destinations/meta-capi/index.js';
export * from './destinations/salesforce/index.js';
export * from './destinations/hubspot/index.js';
export * from './destinations/tiktok-events/index.js';
export * from './destinations/linkedin-conversions/index.js';
export * from './destinations/microsoft-ads-conversions/index.js';
export * from './destinations/google-ads-click-conversions/index.js';
export { microsoftAdsClient, microsoftRule, MICROSOFT_CODES } from './clients/microsoft-ads-client.js';
export { googleAdsClient } from './clients/google-ads-client.js';
export * from './destinations/braze/index.js';
export * from './destinations/customer-io/index.js';
export * from './destinations/amplitude/index.js';
export * from './destinations/webhook/index.js';
export * from './destinations/google-customer-match/index.js';
export * from './destinations/meta-custom-audience/index.js';
export { dataManagerOutcomes } from './destinations/google-data-manager/request-status.js';
export { graphRule } from './destinations/meta-capi/classify-meta.js';
export { signV1, standardWebhookHeaders, verifyStandardWebhook, secretKey } from './http/standard-webhooks.js';
export { deterministicUlid } from './normalize/ulid.js';
export { linkedinClient, linkedinRule, linkedinIndexes } from './clients/linkedin-client.js';
export { tiktokClient, tiktokRule, TIKTOK_CODES } from './clients/tiktok-client.js';
export { refusedAt, type NamedRefusal } from './contract/row-results.js';
export { destinations, DESTINATION_NAMES, isDestinationName, type DestinationName, type DestinationOf } from './registry.js';
