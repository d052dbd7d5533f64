import { OAUTH_SCOPES } from '../../auth/scopes.js';
import type { MapEnv } from '../../contract/context.js';
import { defineDestination } from '../../contract/destination.js';
import type { Row } from '../../contract/row.js';
import { salesforceConfig, type SalesforceConfig } from './config.js';
import { mapSalesforce, mapSalesforceDelete } from './map.js';
import type { SalesforcePayload } from './payload.js';
import { sendSalesforce } from './send.js';

export type { SalesforceConfig } from './config.js';
export type { SalesforceDelete, SalesforcePayload, SalesforceRecord, SalesforceSaveResult } from './payload.js';
export { salesforceConfig } from './config.js';

/** Salesforce Leads / Contacts (or any sObject) upserted by external id (activation-contracts.md §7). */
export const salesforce = defineDestination<SalesforceConfig, SalesforcePayload>({
  name: 'salesforce',
  title: 'Salesforce (sObject Collections upsert)',
  columns: {
    '<externalIdColumn>': 'required: the external id value (config externalIdColumn, default external_id)',
    '<each key of config.fields>': 'mapped to its Salesforce field; null clears the field, absent leaves it',
  },
  configSchema: salesforceConfig,
  capabilities: {
    syncModes: ['upsert'],
    dedupKey: { field: '<externalIdField>', semantics: 'one record per external id value: a resend updates, never duplicates' },
    rateLimit: {
      requests: 100_000,
      windowMs: 86_400_000,
      scope: 'org',
      source: 'activation-contracts.md §7.4: org-wide daily allocation (Enterprise 100,000 + per-license), rolling 24 h',
    },
    rateLimitKey: (c) => `salesforce:${new URL(c.endpoint).host}`,
    testMode: { kind: 'none', note: 'Salesforce has no dry run for Collections; point endpoint at a sandbox org instead' },
    endpointConfigKey: 'endpoint',
    adNetwork: false,
    atomicBatches: false,
    auth: { kind: 'oauth', provider: 'salesforce', scopes: [OAUTH_SCOPES.salesforce.api, OAUTH_SCOPES.salesforce.refresh] },
    deletes: { note: 'deletes the record by external id, one request per record (it goes to the recycle bin); a record already gone counts as deleted' },
  },
  batching: {
    maxItems: 200,
    // Not in the research notes; a guard for the REST request body.
    maxBytes: 5 * 1024 * 1024,
    envelopeBytes: 64,
    distinctKeys: true,
    source: 'activation-contracts.md §7.2: at most 200 records per call, all of one sObject type',
  },
  map: (row: Row, config: SalesforceConfig, env: MapEnv) => (env.op === 'remove' ? mapSalesforceDelete(row, config) : mapSalesforce(row, config)),
  send: sendSalesforce,
});
