import { OAUTH_SCOPES } from '../../auth/scopes.js';
import { defineDestination } from '../../contract/destination.js';
import { googleDataManagerColumns } from './columns.js';
import { googleDataManagerConfig, type GoogleDataManagerConfig } from './config.js';
import { mapGoogleDataManager } from './map.js';
import type { DataManagerEvent } from './payload.js';
import { sendGoogleDataManager } from './send.js';
import { dataManagerOutcomes } from './request-status.js';

export type { GoogleDataManagerConfig } from './config.js';
export type { DataManagerEvent, DataManagerUserIdentifier } from './payload.js';
export { googleDataManagerConfig } from './config.js';

/** Google Ads conversions via the Data Manager API `events:ingest` (activation-contracts.md §1.11). */
export const googleDataManager = defineDestination<GoogleDataManagerConfig, DataManagerEvent>({
  name: 'google-data-manager',
  title: 'Google Ads conversions (Data Manager API)',
  columns: googleDataManagerColumns,
  configSchema: googleDataManagerConfig,
  capabilities: {
    syncModes: ['insert'],
    dedupKey: {
      field: 'transactionId',
      semantics: 'one conversion per transaction id per conversion action; without one, per click id + event time (§1.6)',
    },
    rateLimit: {
      requests: 300,
      windowMs: 60_000,
      scope: 'project',
      source: 'activation-contracts.md §1.11: 300 requests/min and 100,000/day per Cloud project',
    },
    rateLimitKey: (c) => `google-data-manager:${c.quotaProject}`,
    testMode: { kind: 'validate_only', enable: (c) => ({ ...c, validateOnly: true }) },
    endpointConfigKey: 'endpoint',
    adNetwork: true,
    atomicBatches: true,
    auth: { kind: 'oauth', provider: 'google', scopes: [OAUTH_SCOPES.google.dataManager] },
  },
  batching: {
    maxItems: 2000,
    // Not documented in the research notes; a guard well under Google front ends' request limits.
    maxBytes: 8 * 1024 * 1024,
    envelopeBytes: 1024,
    distinctKeys: true,
    source: 'activation-contracts.md §1.11: events[] at most 2000 per request',
  },
  map: mapGoogleDataManager,
  send: sendGoogleDataManager,
  outcomes: dataManagerOutcomes<GoogleDataManagerConfig>(),
});
