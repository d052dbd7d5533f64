import { defineDestination } from '../../contract/destination.js';
import { webhookConfig, type WebhookConfig } from './config.js';
import { mapWebhook, webhookColumns, type WebhookItem } from './map.js';
import { sendWebhook } from './send.js';

export type { WebhookConfig } from './config.js';
export type { WebhookItem } from './map.js';
export { webhookConfig } from './config.js';
export { messageId as webhookMessageId } from './send.js';

/** Rows POSTed to your endpoint as Standard Webhooks messages, signed (activation-contracts.md §9.2). */
export const webhook = defineDestination<WebhookConfig, WebhookItem>({
  name: 'webhook',
  title: 'Signed webhook (Standard Webhooks)',
  columns: webhookColumns,
  configSchema: webhookConfig,
  capabilities: {
    syncModes: ['insert', 'upsert'],
    dedupKey: { field: 'data[].id', semantics: 'receivers dedup messages on webhook-id (stable for the same rows) and rows on their id' },
    rateLimit: null,
    rateLimitKey: (c) => `webhook:${new URL(c.endpoint).host}`,
    testMode: { kind: 'none', note: 'point endpoint at a test receiver' },
    endpointConfigKey: 'endpoint',
    adNetwork: false,
    atomicBatches: true,
    auth: { kind: 'key', configKeys: ['secret'] },
  },
  batching: {
    maxItems: 100,
    maxBytes: 1024 * 1024,
    envelopeBytes: 128,
    distinctKeys: true,
    source: "Touchline's webhook contract (README): at most 100 rows and 1 MiB per message",
  },
  map: mapWebhook,
  send: sendWebhook,
});
