import { defineDestination } from '../../contract/destination.js';
import { sha256Hex } from '../../normalize/sha256.js';
import { amplitudeConfig, type AmplitudeConfig } from './config.js';
import { amplitudeColumns, mapAmplitude, type AmplitudeEvent } from './map.js';
import { sendAmplitude } from './send.js';

export type { AmplitudeConfig } from './config.js';
export type { AmplitudeEvent } from './map.js';
export { amplitudeConfig } from './config.js';

/** Event forwarding to Amplitude's HTTP API v2 with `insert_id` (reporting-and-spend.md §D1). */
export const amplitude = defineDestination<AmplitudeConfig, AmplitudeEvent>({
  name: 'amplitude',
  title: 'Amplitude (HTTP API v2)',
  columns: amplitudeColumns,
  configSchema: amplitudeConfig,
  capabilities: {
    syncModes: ['insert'],
    dedupKey: { field: 'insert_id', semantics: 'the same insert_id within 7 days is ignored (§D1)' },
    // Limits are per user / device (30 events/s), not per request.
    rateLimit: null,
    // Hashed: bucket keys may be logged, keys may not.
    rateLimitKey: (c) => `amplitude:${sha256Hex(c.apiKey).slice(0, 16)}`,
    testMode: { kind: 'none', note: 'Amplitude has no dry run; send to a test project' },
    endpointConfigKey: 'endpoint',
    adNetwork: false,
    atomicBatches: true,
    auth: { kind: 'key', configKeys: ['apiKey'] },
  },
  batching: {
    maxItems: 2000,
    maxBytes: 1024 * 1024,
    envelopeBytes: 128,
    distinctKeys: false,
    source: 'reporting-and-spend.md §D1: at most 2,000 events per request (413 beyond) and under 1 MB',
  },
  map: mapAmplitude,
  send: sendAmplitude,
});
