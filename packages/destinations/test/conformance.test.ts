import {
  googleDataManagerHarness,
  hubspotHarness,
  metaCapiHarness,
  runDestinationConformance,
  salesforceHarness,
  tiktokEventsHarness,
  linkedinConversionsHarness,
  microsoftAdsConversionsHarness,
  googleAdsClickConversionsHarness,
  brazeHarness,
  customerIoHarness,
  amplitudeHarness,
  webhookHarness,
  googleCustomerMatchHarness,
  metaCustomAudienceHarness,
} from '@touchline/destinations/conformance';

// One suite, every destination, each against its contract stand-in.
runDestinationConformance('google-data-manager', googleDataManagerHarness);
runDestinationConformance('meta-capi', metaCapiHarness);
runDestinationConformance('salesforce', salesforceHarness);
runDestinationConformance('hubspot', hubspotHarness);
runDestinationConformance('tiktok-events', tiktokEventsHarness);
runDestinationConformance('linkedin-conversions', linkedinConversionsHarness);
runDestinationConformance('microsoft-ads-conversions', microsoftAdsConversionsHarness);
runDestinationConformance('google-ads-click-conversions', googleAdsClickConversionsHarness);
runDestinationConformance('braze', brazeHarness);
runDestinationConformance('customer-io', customerIoHarness);
runDestinationConformance('amplitude', amplitudeHarness);
runDestinationConformance('webhook', webhookHarness);
runDestinationConformance('google-customer-match', googleCustomerMatchHarness);
runDestinationConformance('meta-custom-audience', metaCustomAudienceHarness);
