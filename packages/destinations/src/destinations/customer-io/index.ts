import { defineDestination } from '../../contract/destination.js';
import { customerIoConfig, type CustomerIoConfig } from './config.js';
import { customerIoColumns, mapCustomerIo, type CustomerIoEntry } from './map.js';
import { sendCustomerIo } from './send.js';

export type { CustomerIoConfig } from './config.js';
export type { CustomerIoEntry } from './map.js';
export { customerIoConfig } from './config.js';

/** Customer.io people and events through the Track API v2 batch (activation-contracts.md §8.2). */
export const customerIo = defineDestination<CustomerIoConfig, CustomerIoEntry>({
  name: 'customer-io',
  title: 'Customer.io (Track API)',
  columns: customerIoColumns,
  configSchema: customerIoConfig,
  capabilities: {
    syncModes: ['upsert', 'insert'],
    dedupKey: { field: 'identifiers / event id', semantics: 'identify: one person per id, a resend updates; event: the ULID id derived from event_id, deduplicated by Customer.io (§8.2)' },
    rateLimit: { requests: 100, windowMs: 1000, scope: 'account', source: 'activation-contracts.md §8.2: fair use about 100 requests/s per workspace' },
    rateLimitKey: (c) => `customer-io:${c.siteId}`,
    testMode: { kind: 'none', note: 'Customer.io has no dry run for the Track API; use a test workspace' },
    endpointConfigKey: 'endpoint',
    adNetwork: false,
    atomicBatches: false,
    auth: { kind: 'key', configKeys: ['siteId', 'apiKey'] },
  },
  batching: {
    // Customer.io limits the batch's bytes (500 KB); the item count is Touchline's own bound.
    maxItems: 1000,
    maxItemsChosen: true,
    maxBytes: 500 * 1024,
    envelopeBytes: 16,
    distinctKeys: true,
    source: 'activation-contracts.md §8.2: POST /api/v2/batch up to about 500 KB (32 KB per entry)',
  },
  map: mapCustomerIo,
  send: sendCustomerIo,
});
