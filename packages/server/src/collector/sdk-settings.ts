import type { Source } from '../warehouse/warehouse.js';

/**
 * The configuration documents the vendors' browser SDKs fetch before they send anything, as
 * Touchline answers them: each names Touchline as the only place events go, and turns off
 * everything else the SDK would load or report (device-mode destinations, remote plugins,
 * the vendors' own metrics and error reporting).
 */

/** Where analytics.js should post: `<host[:port]>/v1` over `protocol`. */
export interface ApiLocation {
  readonly host: string;
  readonly protocol: 'http' | 'https';
}

/**
 * analytics.js (`@segment/analytics-next`) settings, as `GET /v1/projects/<writeKey>/settings`
 * answers them. What the SDK reads (packages/browser/src/browser/index.ts, plugins/segmentio):
 * `integrations` (one entry, `Segment.io`, is its own delivery plugin; any other entry would
 * load a device-mode destination from Segment's CDN), `integrations['Segment.io'].apiHost` and
 * `protocol` (where it posts; init options win, as in Segment's own custom-proxy set-up),
 * `remotePlugins`, `middlewareSettings`, `enabledMiddleware` (all empty: nothing else loads) and
 * `metrics` (its own usage metrics, on by default with `sampleRate: 1`; off here).
 */
export function segmentSettings(writeKey: string, api: ApiLocation): Record<string, unknown> {
  return {
    integrations: {
      'Segment.io': { apiKey: writeKey, apiHost: `${api.host}/v1`, protocol: api.protocol },
    },
    remotePlugins: [],
    middlewareSettings: {},
    enabledMiddleware: {},
    metrics: { sampleRate: 0 },
  };
}

/**
 * RudderStack's `@rudderstack/analytics-js` source configuration, as `GET /sourceConfig/`
 * answers it. What the SDK reads (its ConfigManager): `source.id`, `source.config` and
 * `source.destinations` must be present (`isValidSourceConfig`); `enabled: false` would stop
 * it; `config.statsCollection.{errors,metrics}.enabled` send its error reports and metrics to
 * RudderStack (off here); each destination would be loaded into the page (none).
 */
export function rudderSourceConfig(source: Pick<Source, 'id' | 'name'>): Record<string, unknown> {
  return {
    source: {
      id: source.id,
      name: source.name,
      enabled: true,
      config: { statsCollection: { errors: { enabled: false }, metrics: { enabled: false } } },
      destinations: [],
    },
  };
}
