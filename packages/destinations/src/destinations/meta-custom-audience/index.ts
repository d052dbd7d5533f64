import { defineDestination } from '../../contract/destination.js';
import { metaCustomAudienceConfig, type MetaCustomAudienceConfig } from './config.js';
import { mapMetaAudienceMember, metaCustomAudienceColumns, type MetaAudienceMember } from './map.js';
import { sendMetaCustomAudience } from './send.js';

export type { MetaCustomAudienceConfig } from './config.js';
export type { MetaAudienceMember } from './map.js';
export { metaCustomAudienceConfig } from './config.js';
export { AUDIENCE_SCHEMA as META_AUDIENCE_SCHEMA } from './map.js';

/** Meta customer-list custom audiences kept in step with a segment (users add / remove). */
export const metaCustomAudience = defineDestination<MetaCustomAudienceConfig, MetaAudienceMember>({
  name: 'meta-custom-audience',
  title: 'Meta custom audience (customer list)',
  columns: metaCustomAudienceColumns,
  configSchema: metaCustomAudienceConfig,
  capabilities: {
    syncModes: ['audience'],
    dedupKey: { field: 'EMAIL / PHONE / EXTERN_ID', semantics: 'a member is its first match key; adding twice keeps one member' },
    // No fixed rate documented: throttling arrives as Graph code 80003 (custom audience calls).
    rateLimit: null,
    rateLimitKey: (c) => `meta-audience:${c.audienceId}`,
    testMode: { kind: 'none', note: 'custom audiences have no test mode; use a test audience' },
    endpointConfigKey: 'endpoint',
    adNetwork: true,
    atomicBatches: false,
    auth: { kind: 'token', note: 'a system-user access token (reporting-and-spend.md §C4)' },
    audience: {
      matchKeys: ['EMAIL', 'PHONE', 'FN', 'LN', 'ZIP', 'COUNTRY (SHA-256)', 'EXTERN_ID'],
      memberKey: 'the first of email, phone, external id',
      note: 'Meta matches uploaded users over the following hours; num_received counts what arrived',
    },
  },
  batching: {
    maxItems: 10_000,
    maxBytes: 8 * 1024 * 1024,
    envelopeBytes: 256,
    distinctKeys: true,
    source: 'Meta custom audience users edge: at most 10,000 users per request (Marketing API reference; not in the research notes)',
  },
  map: mapMetaAudienceMember,
  send: sendMetaCustomAudience,
});
