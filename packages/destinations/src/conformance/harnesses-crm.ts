import { amplitude, type AmplitudeConfig } from '../destinations/amplitude/index.js';
import type { AmplitudeEvent } from '../destinations/amplitude/map.js';
import { braze, type BrazeConfig } from '../destinations/braze/index.js';
import type { BrazeRowPayload } from '../destinations/braze/map.js';
import { customerIo, type CustomerIoConfig } from '../destinations/customer-io/index.js';
import type { CustomerIoEntry } from '../destinations/customer-io/map.js';
import { webhook, type WebhookConfig } from '../destinations/webhook/index.js';
import type { WebhookItem } from '../destinations/webhook/map.js';
import { startAmplitudeStandIn } from '../testing/stand-ins/amplitude-stand-in.js';
import { startBrazeStandIn } from '../testing/stand-ins/braze-stand-in.js';
import { startCustomerIoStandIn } from '../testing/stand-ins/customer-io-stand-in.js';
import { startWebhookReceiver } from '../testing/stand-ins/webhook-receiver-stand-in.js';
import type { ConformanceHarness } from './harness.js';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const HOUR = 3_600_000;
const times = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

export const brazeHarness: ConformanceHarness<BrazeConfig, BrazeRowPayload> = {
  destination: braze,
  now: NOW,
  startStandIn: ({ clock }) => startBrazeStandIn({ clock, accessToken: 'braze-key' }),
  config: (endpoint) => braze.configSchema.parse({ endpoint, apiKey: 'braze-key', attributes: { plan: 'plan_tier', ltv: 'ltv' } }),
  wrongCredentials: (c) => ({ ...c, apiKey: 'wrong-key' }),
  rows: (n, tag = 'a') => times(n, (i) => ({ external_id: `u-${tag}-${i}`, plan: ' pro ', ltv: 87.5 + i })),
  invalidRow: { row: { plan: 'pro' }, field: 'external_id' },
};

export const customerIoHarness: ConformanceHarness<CustomerIoConfig, CustomerIoEntry> = {
  destination: customerIo,
  now: NOW,
  startStandIn: ({ clock }) => startCustomerIoStandIn({ clock, accessToken: 'site-1:cio-key' }),
  config: (endpoint) => customerIo.configSchema.parse({ endpoint, siteId: 'site-1', apiKey: 'cio-key', attributes: { plan: 'plan', email: 'email' } }),
  wrongCredentials: (c) => ({ ...c, apiKey: 'wrong-key' }),
  rows: (n, tag = 'a') => times(n, (i) => ({ external_id: `u-${tag}-${i}`, plan: 'pro', email: ` Ada.${i}@Example.com ` })),
  invalidRow: { row: { plan: 'pro' }, field: 'external_id' },
};

export const amplitudeHarness: ConformanceHarness<AmplitudeConfig, AmplitudeEvent> = {
  destination: amplitude,
  now: NOW,
  startStandIn: ({ clock }) => startAmplitudeStandIn({ clock, accessToken: 'amp-key' }),
  config: (endpoint) => amplitude.configSchema.parse({ endpoint, apiKey: 'amp-key', properties: { plan: 'plan' } }),
  wrongCredentials: (c) => ({ ...c, apiKey: 'wrong-key' }),
  rows: (n, tag = 'a') =>
    times(n, (i) => ({ insert_id: `msg-${tag}-${i}`, event_type: 'Order Completed', user_id: `user-${tag}-${i}`, event_time: new Date(NOW - HOUR), plan: 'pro', revenue: 10 + i })),
  invalidRow: { row: { insert_id: 'msg-bad', event_type: 'X', user_id: 'abc', event_time: new Date(NOW) }, field: 'user_id' },
};

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
export const webhookHarness: ConformanceHarness<WebhookConfig, WebhookItem> = {
  destination: webhook,
  now: NOW,
  startStandIn: ({ clock }) => startWebhookReceiver({ clock, secret: SECRET }),
  config: (endpoint) => webhook.configSchema.parse({ endpoint: `${endpoint}/hooks/touchline`, secret: SECRET }),
  wrongCredentials: (c) => ({ ...c, secret: 'whsec_d3JvbmcgLSBub3QgdGhlIHJlY2VpdmVyJ3Mga2V5' }),
  rows: (n, tag = 'a') => times(n, (i) => ({ id: `row-${tag}-${i}`, email: `ada.${i}@example.com`, ltv: 100 + i, seen_at: new Date(NOW - HOUR) })),
  invalidRow: { row: { email: 'no-id@example.com' }, field: 'id' },
};
