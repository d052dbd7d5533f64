import { googleDataManager } from './destinations/google-data-manager/index.js';
import { hubspot } from './destinations/hubspot/index.js';
import { metaCapi } from './destinations/meta-capi/index.js';
import { salesforce } from './destinations/salesforce/index.js';
import { tiktokEvents } from './destinations/tiktok-events/index.js';
import { linkedinConversions } from './destinations/linkedin-conversions/index.js';
import { microsoftAdsConversions } from './destinations/microsoft-ads-conversions/index.js';
import { googleAdsClickConversions } from './destinations/google-ads-click-conversions/index.js';
import { braze } from './destinations/braze/index.js';
import { customerIo } from './destinations/customer-io/index.js';
import { amplitude } from './destinations/amplitude/index.js';
import { webhook } from './destinations/webhook/index.js';
import { googleCustomerMatch } from './destinations/google-customer-match/index.js';
import { metaCustomAudience } from './destinations/meta-custom-audience/index.js';

/**
 * Every destination by registry name. Typed per entry, so
 * `destinations['meta-capi'].configSchema` is Meta's schema and `map` returns Meta events.
 */
export const destinations = {
  'google-data-manager': googleDataManager,
  'meta-capi': metaCapi,
  salesforce,
  hubspot,
  'tiktok-events': tiktokEvents,
  'linkedin-conversions': linkedinConversions,
  'microsoft-ads-conversions': microsoftAdsConversions,
  'google-ads-click-conversions': googleAdsClickConversions,
  braze,
  'customer-io': customerIo,
  amplitude,
  webhook,
  'google-customer-match': googleCustomerMatch,
  'meta-custom-audience': metaCustomAudience,
} as const;

export type DestinationName = keyof typeof destinations;
export type DestinationOf<N extends DestinationName> = (typeof destinations)[N];

export const DESTINATION_NAMES = Object.keys(destinations) as DestinationName[];

export const isDestinationName = (name: string): name is DestinationName => Object.hasOwn(destinations, name);
