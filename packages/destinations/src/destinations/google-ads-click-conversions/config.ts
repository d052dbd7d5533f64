import { z } from 'zod';
import { accessTokenConfig, headerSafe } from '../../auth/config-token.js';
import { defaultCountryConfig } from '../../normalize/country-config.js';

const customerId = z.string().regex(/^\d{10}$/, 'a Google Ads customer id: 10 digits, no dashes');

/**
 * Google Ads API `uploadClickConversions` (activation-contracts.md §1.1-§1.10), for developer
 * tokens Google still allows: since 2026-06-15 new adopters get
 * CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE and must use `google-data-manager`.
 */
export const googleAdsClickConversionsConfig = z.object({
  endpoint: z.url().default('https://googleads.googleapis.com').describe('Base URL. Override for a proxy or a stand-in. Default https://googleads.googleapis.com'),
  apiVersion: z.enum(['v23', 'v24', 'v25', 'v26']).default('v26').describe('Google Ads API version, pinned. Default v26'),
  accessToken: accessTokenConfig('OAuth 2 access token with scope https://www.googleapis.com/auth/adwords'),
  developerToken: headerSafe().describe('Google Ads developer token (developer-token header)').meta({ secret: true }),
  customerId: customerId.describe('The Google Ads account that owns the conversion action'),
  loginCustomerId: customerId.optional().describe('The manager (MCC) account the token acts through (login-customer-id header)'),
  conversionActionId: z.string().regex(/^\d+$/, 'the numeric conversion action id').describe('A conversion action of type UPLOAD_CLICKS'),
  defaultCurrency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD').optional().describe('Currency for rows without one'),
  defaultCountry: defaultCountryConfig(),
  validateOnly: z.boolean().default(false).describe('Test mode: Google validates and uploads nothing. Default false'),
});
export type GoogleAdsClickConversionsConfig = z.infer<typeof googleAdsClickConversionsConfig>;
