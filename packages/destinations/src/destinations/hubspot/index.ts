import { OAUTH_SCOPES } from '../../auth/scopes.js';
import type { MapEnv } from '../../contract/context.js';
import { sha256Hex } from '../../normalize/sha256.js';
import { defineDestination } from '../../contract/destination.js';
import type { Row } from '../../contract/row.js';
import { hubspotConfig, type HubspotConfig } from './config.js';
import { mapHubspot, mapHubspotArchive } from './map.js';
import type { HubspotInput } from './payload.js';
import { sendHubspot } from './send.js';

export type { HubspotConfig } from './config.js';
export type { HubspotArchiveInput, HubspotInput, HubspotUpsertInput, HubspotResult, HubspotError } from './payload.js';
export { hubspotConfig } from './config.js';

/** HubSpot contacts upserted in batches by email or a unique property (activation-contracts.md §6). */
export const hubspot = defineDestination<HubspotConfig, HubspotInput>({
  name: 'hubspot',
  title: 'HubSpot contacts (batch upsert)',
  columns: {
    '<idColumn>': 'required: the id value (config idColumn, default email)',
    '<each key of config.properties>': 'mapped to its contact property as a string; null clears it',
  },
  configSchema: hubspotConfig,
  capabilities: {
    syncModes: ['upsert'],
    dedupKey: { field: 'id (idProperty value)', semantics: 'one contact per id property value: a resend updates, never duplicates' },
    rateLimit: {
      requests: 100,
      windowMs: 10_000,
      scope: 'account',
      source: 'activation-contracts.md §6.4: 100 per 10 s (Free/Starter); 150 Professional/Enterprise; 200 with the limit increase',
    },
    // One bucket per account: the portal id when given, else the credential (hashed so keys can be logged).
    rateLimitKey: (c) => `hubspot:${c.portalId ?? (c.accessToken ? sha256Hex(c.accessToken).slice(0, 16) : 'oauth')}`,
    testMode: { kind: 'none', note: 'HubSpot has no dry run for batch upsert; use a developer test account as the target' },
    endpointConfigKey: 'endpoint',
    adNetwork: false,
    atomicBatches: false,
    auth: { kind: 'oauth', provider: 'hubspot', scopes: [OAUTH_SCOPES.hubspot.contactsWrite, OAUTH_SCOPES.hubspot.contactsRead] },
    deletes: { note: 'archives the contact (batch/read by the id property, then batch/archive by record id); HubSpot keeps archived contacts restorable for 90 days' },
  },
  batching: {
    maxItems: 100,
    // Not in the research notes; a guard for the request body.
    maxBytes: 3 * 1024 * 1024,
    envelopeBytes: 32,
    distinctKeys: true,
    source: 'activation-contracts.md §6.2-§6.3: at most 100 inputs; duplicate ids in one batch are a 400',
  },
  map: (row: Row, config: HubspotConfig, env: MapEnv) => (env.op === 'remove' ? mapHubspotArchive(row, config) : mapHubspot(row, config)),
  send: sendHubspot,
});
