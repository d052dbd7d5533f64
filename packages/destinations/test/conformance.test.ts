import {
  googleDataManagerHarness,
  hubspotHarness,
  metaCapiHarness,
  runDestinationConformance,
  salesforceHarness,
} from '@touchline/destinations/conformance';

// One suite, every destination, each against its contract stand-in.
runDestinationConformance('google-data-manager', googleDataManagerHarness);
runDestinationConformance('meta-capi', metaCapiHarness);
runDestinationConformance('salesforce', salesforceHarness);
runDestinationConformance('hubspot', hubspotHarness);
