/**
 * What posthog-js asks before it captures, answered with every feature off: no session recording,
 * autocapture of clicks, heatmaps, surveys, site apps or feature flags — each of them would load
 * code from PostHog or post to paths Touchline does not keep. Events still come (capture is not a
 * feature here), and `$pageview` / `$pageleave` follow the SDK's own init options.
 */
export function posthogRemoteConfig(token: string) {
  return {
    token,
    supportedCompression: ['gzip', 'gzip-js'],
    hasFeatureFlags: false,
    captureDeadClicks: false,
    capturePerformance: false,
    autocapture_opt_out: true,
    autocaptureExceptions: false,
    analytics: { endpoint: '/e/' },
    elementsChainAsString: true,
    sessionRecording: false,
    heatmaps: false,
    surveys: false,
    defaultIdentifiedOnly: true,
    siteApps: [],
  };
}

/** `/flags` (v2) and `/decide`: no flags, no error, the same features off. */
export function posthogFlags() {
  return {
    ...posthogRemoteConfig(''),
    token: undefined,
    flags: {},
    featureFlags: {},
    featureFlagPayloads: {},
    errorsWhileComputingFlags: false,
    quotaLimited: [],
  };
}
