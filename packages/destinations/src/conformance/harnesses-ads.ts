import { tiktokEvents, type TiktokEventsConfig } from '../destinations/tiktok-events/index.js';
import type { TiktokEvent } from '../destinations/tiktok-events/payload.js';
import { startTiktokEventsStandIn } from '../testing/stand-ins/tiktok-events-stand-in.js';
import { linkedinConversions, type LinkedinConversionsConfig } from '../destinations/linkedin-conversions/index.js';
import type { LinkedinConversionEvent } from '../destinations/linkedin-conversions/payload.js';
import { startLinkedinConversionsStandIn } from '../testing/stand-ins/linkedin-conversions-stand-in.js';
import { microsoftAdsConversions, type MicrosoftAdsConversionsConfig } from '../destinations/microsoft-ads-conversions/index.js';
import type { MicrosoftOfflineConversion } from '../destinations/microsoft-ads-conversions/payload.js';
import { googleAdsClickConversions, type GoogleAdsClickConversionsConfig } from '../destinations/google-ads-click-conversions/index.js';
import type { GoogleAdsClickConversion } from '../destinations/google-ads-click-conversions/payload.js';
import { startMicrosoftAdsStandIn } from '../testing/stand-ins/microsoft-ads-stand-in.js';
import { startGoogleAdsStandIn } from '../testing/stand-ins/google-ads-stand-in.js';
import { googleCustomerMatch, type GoogleCustomerMatchConfig } from '../destinations/google-customer-match/index.js';
import type { CustomerMatchMember } from '../destinations/google-customer-match/map.js';
import { metaCustomAudience, type MetaCustomAudienceConfig } from '../destinations/meta-custom-audience/index.js';
import type { MetaAudienceMember } from '../destinations/meta-custom-audience/map.js';
import { startGoogleDataManagerStandIn } from '../testing/stand-ins/google-data-manager-stand-in.js';
import { startMetaCustomAudienceStandIn } from '../testing/stand-ins/meta-custom-audience-stand-in.js';
import type { ConformanceHarness } from './harness.js';

/** 2026-11-25T12:00:00Z, as the other built-in harnesses. */
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const HOUR = 3_600_000;
const TOKEN = 'test-token';
const times = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

export const tiktokEventsHarness: ConformanceHarness<TiktokEventsConfig, TiktokEvent> = {
  destination: tiktokEvents,
  now: NOW,
  startStandIn: ({ clock }) => startTiktokEventsStandIn({ clock, accessToken: TOKEN, eventSourceId: 'CABC123' }),
  config: (endpoint) => tiktokEvents.configSchema.parse({ endpoint, accessToken: TOKEN, eventSourceId: 'CABC123' }),
  rows: (n, tag = 'a') =>
    times(n, (i) => ({
      event_id: `evt-${tag}-${i}`,
      event_time: new Date(NOW - HOUR),
      ttclid: `E.C.P.${tag}${i}`,
      email: ` CoreyTest${i}@Example.com `,
      phone: '+1 555 555 5555',
      value: 20 + i,
      currency: 'usd',
      consent_ad_user_data: true,
    })),
  invalidRow: { row: { event_id: 'evt-old', event_time: new Date(NOW - 10 * 24 * HOUR), ttclid: 'x', consent_ad_user_data: true }, field: 'event_time' },
};

export const linkedinConversionsHarness: ConformanceHarness<LinkedinConversionsConfig, LinkedinConversionEvent> = {
  destination: linkedinConversions,
  now: NOW,
  startStandIn: ({ clock }) => startLinkedinConversionsStandIn({ clock, accessToken: TOKEN }),
  config: (endpoint) => linkedinConversions.configSchema.parse({ endpoint, accessToken: TOKEN, conversionRuleId: '104012', apiVersion: '202603' }),
  rows: (n, tag = 'a') =>
    times(n, (i) => ({
      event_id: `ORD-${tag}-${i}`,
      conversion_time: new Date(NOW - 2 * HOUR),
      li_fat_id: `df6f5f3a-${tag}-${i}`,
      email: `Ada.${i}@Example.com`,
      first_name: 'Ada',
      last_name: 'Lovelace',
      conversion_value: 149.99,
      currency: 'USD',
      consent_ad_user_data: true,
    })),
  invalidRow: { row: { event_id: 'x', conversion_time: new Date(NOW - HOUR), li_fat_id: 'abc', first_name: 'Ada', consent_ad_user_data: true }, field: 'last_name' },
};

export const microsoftAdsConversionsHarness: ConformanceHarness<MicrosoftAdsConversionsConfig, MicrosoftOfflineConversion> = {
  destination: microsoftAdsConversions,
  now: NOW,
  startStandIn: ({ clock }) => startMicrosoftAdsStandIn({ clock, accessToken: TOKEN }),
  config: (endpoint) =>
    microsoftAdsConversions.configSchema.parse({ endpoint, accessToken: TOKEN, developerToken: 'dev-token', customerId: '1111111', customerAccountId: '2222222', conversionName: 'Offline Purchase' }),
  rows: (n, tag = 'a') =>
    times(n, (i) => ({
      msclkid: `f894f652ea33${tag}${i}`,
      conversion_time: new Date(NOW - 2 * HOUR),
      conversion_value: 149.99,
      currency: 'USD',
      email: `Ada.${i}@Example.com`,
      consent_ad_user_data: true,
    })),
  invalidRow: { row: { conversion_time: new Date(NOW - HOUR), conversion_value: 1, consent_ad_user_data: true }, field: 'msclkid' },
};

export const googleAdsClickConversionsHarness: ConformanceHarness<GoogleAdsClickConversionsConfig, GoogleAdsClickConversion> = {
  destination: googleAdsClickConversions,
  now: NOW,
  startStandIn: ({ clock }) => startGoogleAdsStandIn({ clock, accessToken: TOKEN }),
  config: (endpoint) =>
    googleAdsClickConversions.configSchema.parse({ endpoint, accessToken: TOKEN, developerToken: 'dev-token', customerId: '1234567890', conversionActionId: '987654321' }),
  rows: (n, tag = 'a') =>
    times(n, (i) => ({
      gclid: `Cj0KCQiA-${tag}-${i}`,
      conversion_time: new Date(NOW - 2 * HOUR).toISOString(),
      transaction_id: `ORD-${tag}-${i}`,
      conversion_value: 10 + i,
      currency: 'USD',
      email: `Buyer.${i}+${tag}@Example.com`,
      consent_ad_user_data: true,
    })),
  invalidRow: { row: { gclid: 'Cj0-invalid', transaction_id: 'ORD-bad', consent_ad_user_data: true }, field: 'conversion_time' },
};

const member = (tag: string, i: number) => ({ email: ` Member.${i}+${tag}@Example.com `, phone: `+1 650 555 ${String(1000 + i).slice(-4)}`, consent_ad_user_data: true });

export const googleCustomerMatchHarness: ConformanceHarness<GoogleCustomerMatchConfig, CustomerMatchMember> = {
  destination: googleCustomerMatch,
  now: NOW,
  startStandIn: ({ clock }) => startGoogleDataManagerStandIn({ clock, accessToken: TOKEN }),
  config: (endpoint) => googleCustomerMatch.configSchema.parse({ endpoint, accessToken: TOKEN, operatingAccountId: '1234567890', userListId: '5550001' }),
  rows: (n, tag = 'a') => times(n, (i) => member(tag, i)),
  invalidRow: { row: { email: 'not an email', consent_ad_user_data: true }, field: 'email' },
};

export const metaCustomAudienceHarness: ConformanceHarness<MetaCustomAudienceConfig, MetaAudienceMember> = {
  destination: metaCustomAudience,
  now: NOW,
  startStandIn: ({ clock }) => startMetaCustomAudienceStandIn({ clock, accessToken: TOKEN, audienceId: '23850000' }),
  config: (endpoint) => metaCustomAudience.configSchema.parse({ endpoint, accessToken: TOKEN, audienceId: '23850000' }),
  rows: (n, tag = 'a') => times(n, (i) => ({ ...member(tag, i), first_name: 'Ada', country: 'GB' })),
  invalidRow: { row: { first_name: 'Ada', consent_ad_user_data: true }, field: 'email' },
};
