import { OAUTH_SCOPES } from '../../auth/scopes.js';
import { defineDestination } from '../../contract/destination.js';
import { dataManagerOutcomes } from '../google-data-manager/request-status.js';
import { googleCustomerMatchConfig, type GoogleCustomerMatchConfig } from './config.js';
import { googleCustomerMatchColumns, mapCustomerMatch, type CustomerMatchMember } from './map.js';
import { sendCustomerMatch } from './send.js';

export type { GoogleCustomerMatchConfig } from './config.js';
export type { CustomerMatchMember } from './map.js';
export { googleCustomerMatchConfig } from './config.js';

/** Google Customer Match user lists kept in step with a segment, through the Data Manager API. */
export const googleCustomerMatch = defineDestination<GoogleCustomerMatchConfig, CustomerMatchMember>({
  name: 'google-customer-match',
  title: 'Google Customer Match (Data Manager API)',
  columns: googleCustomerMatchColumns,
  configSchema: googleCustomerMatchConfig,
  capabilities: {
    syncModes: ['audience'],
    dedupKey: { field: 'userIdentifiers[0]', semantics: 'a member is its first hashed identifier; adding twice keeps one member' },
    rateLimit: { requests: 300, windowMs: 60_000, scope: 'project', source: 'activation-contracts.md §1.11: 300 requests/min per Cloud project (IngestionService)' },
    rateLimitKey: (c) => `google-data-manager:${c.quotaProject}`,
    testMode: { kind: 'validate_only', enable: (c) => ({ ...c, validateOnly: true }) },
    endpointConfigKey: 'endpoint',
    adNetwork: true,
    atomicBatches: true,
    auth: { kind: 'oauth', provider: 'google', scopes: [OAUTH_SCOPES.google.dataManager] },
    audience: {
      matchKeys: ['email (SHA-256)', 'phone (E.164, SHA-256)', 'address (hashed names, region, postal code)'],
      memberKey: 'the first identifier: email, else phone, else address',
      note: 'processed asynchronously: requestStatus:retrieve reports the outcome (collect it through outcomes)',
    },
  },
  batching: {
    maxItems: 10_000,
    maxBytes: 8 * 1024 * 1024,
    envelopeBytes: 1024,
    distinctKeys: true,
    source: 'Data Manager audienceMembers: at most 10,000 members per request (v1 reference; not in the research notes)',
  },
  map: mapCustomerMatch,
  send: sendCustomerMatch,
  outcomes: dataManagerOutcomes<GoogleCustomerMatchConfig>(),
});
