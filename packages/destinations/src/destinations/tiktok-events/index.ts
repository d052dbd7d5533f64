import { defineDestination } from '../../contract/destination.js';
import { tiktokEventsConfig, type TiktokEventsConfig } from './config.js';
import { mapTiktokEvent, tiktokEventsColumns } from './map.js';
import type { TiktokEvent } from './payload.js';
import { sendTiktokEvents } from './send.js';

export type { TiktokEventsConfig } from './config.js';
export type { TiktokEvent } from './payload.js';
export { tiktokEventsConfig } from './config.js';

/** TikTok Events API 2.0 (activation-contracts.md §3). */
export const tiktokEvents = defineDestination<TiktokEventsConfig, TiktokEvent>({
  name: 'tiktok-events',
  title: 'TikTok Events API',
  columns: tiktokEventsColumns,
  configSchema: tiktokEventsConfig,
  capabilities: {
    syncModes: ['insert'],
    dedupKey: { field: 'event_id', semantics: 'event + event_id, deduplicated against the pixel for 48 h (§3.3)' },
    // No documented fixed rate: TikTok throttles with envelope code 40100.
    rateLimit: null,
    rateLimitKey: (c) => `tiktok-events:${c.eventSourceId}`,
    testMode: { kind: 'test_event_code', enable: (c, code) => ({ ...c, testEventCode: code ?? c.testEventCode ?? 'TEST00000' }) },
    endpointConfigKey: 'endpoint',
    adNetwork: true,
    atomicBatches: true,
    auth: { kind: 'token', note: 'a long-lived Events API token in the Access-Token header; TikTok has no refresh flow (reporting-and-spend.md §C6)' },
  },
  batching: {
    maxItems: 1000,
    // No byte limit in the research notes; a guard.
    maxBytes: 4 * 1024 * 1024,
    envelopeBytes: 256,
    distinctKeys: false,
    source: 'activation-contracts.md §3.2: data[] at most 1,000 events per request',
  },
  map: mapTiktokEvent,
  send: sendTiktokEvents,
});
