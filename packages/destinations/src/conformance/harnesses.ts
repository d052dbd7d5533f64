import { googleDataManager, type GoogleDataManagerConfig } from '../destinations/google-data-manager/index.js';
import type { DataManagerEvent } from '../destinations/google-data-manager/payload.js';
import { hubspot, type HubspotConfig } from '../destinations/hubspot/index.js';
import type { HubspotInput } from '../destinations/hubspot/payload.js';
import { metaCapi, type MetaCapiConfig } from '../destinations/meta-capi/index.js';
import type { MetaServerEvent } from '../destinations/meta-capi/payload.js';
import { salesforce, type SalesforceConfig } from '../destinations/salesforce/index.js';
import type { SalesforcePayload } from '../destinations/salesforce/payload.js';
import { startGoogleDataManagerStandIn } from '../testing/stand-ins/google-data-manager-stand-in.js';
import { startHubspotStandIn } from '../testing/stand-ins/hubspot-stand-in.js';
import { startMetaCapiStandIn } from '../testing/stand-ins/meta-capi-stand-in.js';
import { startSalesforceStandIn } from '../testing/stand-ins/salesforce-stand-in.js';
import type { ConformanceHarness } from './harness.js';

/** 2026-11-25T12:00:00Z: the pinned "now" of the built-in harnesses. */
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const HOUR = 3_600_000;
const TOKEN = 'test-token';
const times = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

export const googleDataManagerHarness: ConformanceHarness<GoogleDataManagerConfig, DataManagerEvent> = {
  destination: googleDataManager,
  now: NOW,
  startStandIn: ({ clock }) => startGoogleDataManagerStandIn({ clock, accessToken: TOKEN }),
  config: (endpoint) =>
    googleDataManager.configSchema.parse({ endpoint, accessToken: TOKEN, operatingAccountId: '1234567890', conversionActionId: '987654321' }),
  rows: (n, tag = 'a') =>
    times(n, (i) => ({
      gclid: `Cj0KCQiA-${tag}-${i}`,
      conversion_time: new Date(NOW - 2 * HOUR).toISOString(),
      transaction_id: `ORD-${tag}-${i}`,
      conversion_value: 10 + i,
      currency: 'USD',
      email: `Buyer.${i}+${tag}@Example.com`,
      phone: '+1 (800) 555-0100',
      consent_ad_user_data: true,
      consent_ad_personalization: 'granted',
    })),
  invalidRow: { row: { gclid: 'Cj0-invalid', transaction_id: 'ORD-bad', consent_ad_user_data: true }, field: 'conversion_time' },
};

export const metaCapiHarness: ConformanceHarness<MetaCapiConfig, MetaServerEvent> = {
  destination: metaCapi,
  now: NOW,
  startStandIn: ({ clock }) => startMetaCapiStandIn({ clock, accessToken: TOKEN, pixelId: '1234567890' }),
  config: (endpoint) => metaCapi.configSchema.parse({ endpoint, accessToken: TOKEN, pixelId: '1234567890' }),
  rows: (n, tag = 'a') =>
    times(n, (i) => ({
      event_id: `evt-${tag}-${i}`,
      event_name: 'Purchase',
      event_time: new Date(NOW - HOUR),
      event_source_url: 'https://shop.example.com/checkout/complete',
      client_user_agent: 'Mozilla/5.0',
      client_ip_address: '203.0.113.7',
      email: ` Buyer.${i}+${tag}@Example.com `,
      fbclid: `IwAR2-${tag}-${i}`,
      fbclid_at: new Date(NOW - 3 * HOUR),
      value: 149.99,
      currency: 'usd',
      consent_ad_user_data: true,
    })),
  invalidRow: {
    row: { event_id: 'evt-old', event_time: new Date(NOW - 10 * 24 * HOUR), email: 'a@example.com', event_source_url: 'https://x.example', client_user_agent: 'UA', value: 1, currency: 'USD', consent_ad_user_data: true },
    field: 'event_time',
  },
};

export const salesforceHarness: ConformanceHarness<SalesforceConfig, SalesforcePayload> = {
  destination: salesforce,
  now: NOW,
  startStandIn: ({ clock }) => startSalesforceStandIn({ clock, accessToken: TOKEN }),
  config: (endpoint) =>
    salesforce.configSchema.parse({
      endpoint,
      accessToken: TOKEN,
      sobject: 'Lead',
      externalIdField: 'Touchline_Id__c',
      externalIdColumn: 'person_id',
      fields: { last_name: 'LastName', company: 'Company', email: 'Email', feature_x_uses: 'Feature_X_Uses__c', last_seen_at: 'Last_Seen__c' },
    }),
  rows: (n, tag = 'a') =>
    times(n, (i) => ({
      person_id: `P-${tag}-${i}`,
      last_name: `Lovelace ${i}`,
      company: 'Analytical Engines',
      email: `ada.${i}.${tag}@example.com`,
      feature_x_uses: 40 + i,
      last_seen_at: new Date(NOW - HOUR),
    })),
  invalidRow: { row: { last_name: 'No Id', company: 'Nowhere' }, field: 'person_id' },
};

export const hubspotHarness: ConformanceHarness<HubspotConfig, HubspotInput> = {
  destination: hubspot,
  now: NOW,
  startStandIn: ({ clock }) => startHubspotStandIn({ clock, accessToken: TOKEN }),
  config: (endpoint) =>
    hubspot.configSchema.parse({ endpoint, accessToken: TOKEN, properties: { first_name: 'firstname', ltv: 'ltv_score', plan: 'plan_tier' } }),
  rows: (n, tag = 'a') => times(n, (i) => ({ email: `User-${tag}-${i}@Example.com`, first_name: `Ada ${i}`, ltv: 87.5 + i, plan: 'pro' })),
  invalidRow: { row: { email: 'not-an-email', first_name: 'X' }, field: 'email' },
};
