import { defineDestination } from '../../contract/destination.js';
import { brazeConfig, type BrazeConfig } from './config.js';
import { brazeColumns, mapBraze, type BrazeRowPayload } from './map.js';
import { sendBraze } from './send.js';

export type { BrazeConfig } from './config.js';
export type { BrazeRowPayload } from './map.js';
export { brazeConfig } from './config.js';

/** Braze user attributes (and optional custom events) through `/users/track` (activation-contracts.md §8.1). */
export const braze = defineDestination<BrazeConfig, BrazeRowPayload>({
  name: 'braze',
  title: 'Braze (users/track)',
  columns: brazeColumns,
  configSchema: brazeConfig,
  capabilities: {
    syncModes: ['upsert', 'insert'],
    dedupKey: { field: 'external_id (or the configured identifier)', semantics: 'attributes: one user per identifier, a resend updates; custom events: Braze documents no dedup key, a resend after a lost answer can count twice' },
    rateLimit: { requests: 3000, windowMs: 3000, scope: 'account', source: 'activation-contracts.md §8.1: 3,000 requests / 3 s per workspace' },
    rateLimitKey: (c) => `braze:${new URL(c.endpoint).host}`,
    testMode: { kind: 'none', note: 'Braze has no dry run for users/track; use a test workspace' },
    endpointConfigKey: 'endpoint',
    adNetwork: false,
    atomicBatches: false,
    auth: { kind: 'key', configKeys: ['apiKey'] },
  },
  batching: {
    maxItems: 75,
    maxBytes: 4 * 1024 * 1024,
    envelopeBytes: 64,
    distinctKeys: true,
    source: 'activation-contracts.md §8.1: at most 75 objects per array per request',
  },
  map: mapBraze,
  send: sendBraze,
});
