import { z } from 'zod';
import { accessTokenConfig } from '../../auth/config-token.js';
import { defaultCountryConfig } from '../../normalize/country-config.js';

const customerId = z.string().regex(/^\d{10}$/, 'a Google Ads customer id: 10 digits, no dashes');

/** Google Customer Match through the Data Manager API (audienceMembers:ingest / :remove). */
export const googleCustomerMatchConfig = z.object({
  endpoint: z.url().default('https://datamanager.googleapis.com').describe('Base URL. Override for a proxy or a stand-in. Default https://datamanager.googleapis.com'),
  accessToken: accessTokenConfig('OAuth 2 access token with scope https://www.googleapis.com/auth/datamanager'),
  operatingAccountId: customerId.describe('The Google Ads account that owns the user list'),
  loginAccountId: customerId.optional().describe('The manager account the token acts through'),
  userListId: z.string().regex(/^\d+$/, 'the numeric Customer Match user list id').describe('Customer Match user list (Data Manager productDestinationId)'),
  defaultCountry: defaultCountryConfig(),
  validateOnly: z.boolean().default(false).describe('Test mode: Google validates and changes nothing. Default false'),
  quotaProject: z.string().min(1).default('default').describe('The Google Cloud project of the OAuth client (quotas are per project). Default "default"'),
});
export type GoogleCustomerMatchConfig = z.infer<typeof googleCustomerMatchConfig>;
