import { defineDestination } from '../../contract/destination.js';
import { metaCapiColumns } from './columns.js';
import { metaCapiConfig, type MetaCapiConfig } from './config.js';
import { mapMetaCapi } from './map.js';
import type { MetaServerEvent } from './payload.js';
import { sendMetaCapi } from './send.js';

export type { MetaCapiConfig } from './config.js';
export type { MetaServerEvent, MetaUserData } from './payload.js';
export { metaCapiConfig } from './config.js';
export { buildFbc, fbcCreationTime } from './fbc.js';

/** Meta Conversions API (activation-contracts.md §2). */
/** Meta's standard events (the Meta Pixel reference, shared by the Conversions API). */
export const META_STANDARD_EVENTS: readonly string[] = [
  'AddPaymentInfo', 'AddToCart', 'AddToWishlist', 'CompleteRegistration', 'Contact', 'CustomizeProduct', 'Donate', 'FindLocation',
  'InitiateCheckout', 'Lead', 'Purchase', 'Schedule', 'Search', 'StartTrial', 'SubmitApplication', 'Subscribe', 'ViewContent',
];

export const metaCapi = defineDestination<MetaCapiConfig, MetaServerEvent>({
  name: 'meta-capi',
  title: 'Meta Conversions API',
  columns: metaCapiColumns,
  configSchema: metaCapiConfig,
  capabilities: {
    syncModes: ['insert'],
    dedupKey: {
      field: 'event_id',
      semantics: 'event_name + event_id, deduplicated against the pixel and earlier server events for 48 h (§2.5)',
    },
    // Meta documents no fixed rate for CAPI: it throttles adaptively (codes 4/17/32/613/80000-family).
    rateLimit: null,
    rateLimitKey: (c) => `meta-capi:${c.pixelId}`,
    testMode: {
      kind: 'test_event_code',
      enable: (c, code) => ({ ...c, testEventCode: code ?? c.testEventCode ?? 'TEST00000' }),
    },
    endpointConfigKey: 'endpoint',
    adNetwork: true,
    atomicBatches: true,
    auth: { kind: 'token', note: 'a system-user access token (non-expiring, or 60 days with no refresh flow: reporting-and-spend.md §C4)' },
    standardEvents: {
      column: 'event_name',
      names: META_STANDARD_EVENTS,
      source: 'https://developers.facebook.com/docs/meta-pixel/reference#standard-events',
    },
  },
  batching: {
    maxItems: 1000,
    // Meta documents no byte limit for CAPI; a guard so a batch of 1000 large events stays sane.
    maxBytes: 4 * 1024 * 1024,
    envelopeBytes: 512,
    distinctKeys: false,
    source: 'activation-contracts.md §2.2: data[] at most 1,000 events per request',
  },
  map: mapMetaCapi,
  send: sendMetaCapi,
});
