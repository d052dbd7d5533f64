import { z } from 'zod';
import { accessTokenConfig } from '../../auth/config-token.js';

const apiName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a Salesforce API name such as Lead or Feature_X_Uses__c');

/** Salesforce sObject Collections upsert by external id (activation-contracts.md §7). */
export const salesforceConfig = z.object({
  endpoint: z
    .url()
    .describe('Your instance URL, e.g. https://acme.my.salesforce.com (a sandbox instance works as a test org)'),
  apiVersion: z
    .string()
    .regex(/^v\d{2}\.\d$/, 'an API version such as v62.0')
    .default('v62.0')
    .describe('REST API version, pinned; sObject Collections upsert needs v46.0 or later. Default v62.0'),
  accessToken: accessTokenConfig('OAuth access token'),
  sobject: apiName.default('Lead').describe('sObject to upsert: Lead, Contact, or a custom object. Default Lead'),
  externalIdField: apiName.describe('External id field on the sObject, e.g. Touchline_Id__c'),
  externalIdColumn: z
    .string()
    .min(1)
    .default('external_id')
    .describe('Row column holding the external id value. Default external_id'),
  fields: z
    .record(z.string(), apiName)
    .default({})
    .describe('Row column -> Salesforce field, e.g. { "feature_x_uses": "Feature_X_Uses__c", "email": "Email" }'),
});

export type SalesforceConfig = z.infer<typeof salesforceConfig>;
