import { z } from 'zod';
import { defaultCountryConfig } from '../../normalize/country-config.js';
import { accessTokenConfig } from '../../auth/config-token.js';

/**
 * Google Ads conversions through the Data Manager API (`events:ingest`), the path Google requires
 * for new integrations since 2026-06-15 (activation-contracts.md §1.1, §1.11).
 */
export const googleDataManagerConfig = z.object({
  endpoint: z
    .url()
    .default('https://datamanager.googleapis.com')
    .describe('Base URL. Override for a proxy or a stand-in. Default https://datamanager.googleapis.com'),
  accessToken: accessTokenConfig('OAuth 2 access token with scope https://www.googleapis.com/auth/datamanager (no developer token)'),
  operatingAccountId: z
    .string()
    .regex(/^\d{10}$/, 'a Google Ads customer id: 10 digits, no dashes')
    .describe('The Google Ads account that owns the conversion action'),
  loginAccountId: z
    .string()
    .regex(/^\d{10}$/, 'a Google Ads manager id: 10 digits, no dashes')
    .optional()
    .describe('The manager (MCC) account the token acts through, when not the operating account'),
  conversionActionId: z
    .string()
    .regex(/^\d+$/, 'the numeric conversion action id')
    .describe('Conversion action id (Data Manager productDestinationId)'),
  destinationReference: z
    .string()
    .min(1)
    .default('touchline')
    .describe('Label tying events to the destination inside one request. Default "touchline"'),
  eventSource: z
    .enum(['WEB', 'APP', 'IN_STORE', 'PHONE', 'OTHER'])
    .default('WEB')
    .describe('Where the conversions happened; required for offline conversions. Default WEB'),
  defaultCurrency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD')
    .optional()
    .describe('Currency for rows whose currency column is empty'),
  defaultCountry: defaultCountryConfig(),
  maxConversionAgeDays: z
    .number()
    .int()
    .min(1)
    .max(90)
    .default(90)
    .describe('Rows older than this are rejected before sending (Google click-through windows are at most 90 days). Default 90'),
  validateOnly: z
    .boolean()
    .default(false)
    .describe('Test mode: Google validates the request and ingests nothing. Default false'),
  quotaProject: z
    .string()
    .min(1)
    .default('default')
    .describe('The Google Cloud project of the OAuth client; Data Manager quotas are per project. Default "default"'),
});

/** The parsed config (defaults applied). */
export type GoogleDataManagerConfig = z.infer<typeof googleDataManagerConfig>;
