import { EVENT_TYPES } from '@touchline/protocol';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ClientError, InvalidJsonError } from '../http/client-error.js';
import { BATCH_DOC, BEACON_DOC, EVENT_DOCS, RUDDER_SOURCE_CONFIG_DOC, SEGMENT_SETTINGS_DOC } from './segment-route-docs.js';
import { rudderSourceConfig, segmentSettings, type ApiLocation } from './sdk-settings.js';
import { authenticate, batchHandler, eventHandler, requestFacts, writeKeyOf, type TrackingDeps, type WriteKeyReader } from './tracking-routes.js';

/**
 * What the vendors' SDKs fetch and post besides the Segment Tracking API's own paths, so that
 * analytics.js, RudderStack's JavaScript SDK and RudderStack's Node SDK deliver to Touchline
 * unchanged (docs/ingest.md):
 *
 * - analytics.js posts each call to `/v1/<first letter of its type>` (`/v1/t`, `/v1/p`, …) and,
 *   batching, to `/v1/b`; it first fetches `/v1/projects/<writeKey>/settings`.
 * - RudderStack's SDK fetches `/sourceConfig/` (HTTP Basic write key) and, in beacon mode, posts
 *   `{batch, sentAt}` to `/beacon/v1/batch?writeKey=<key>` (a beacon cannot carry a header).
 *
 * Every event takes the same handlers, validation, quarantine and spool as `/v1/*`.
 */

/** analytics.js's batching path and RudderStack's beacon path: batches, under `limits.maxBatchBytes`. */
export const SDK_BATCH_PATHS: readonly string[] = ['/v1/b', '/beacon/v1/batch'];

/** analytics.js: `/v1/${type.charAt(0)}` (plugins/segmentio/index.ts). */
const shortPath = (type: string): string => `/v1/${type.charAt(0)}`;

/**
 * The beacon path's write key: as on every path (Basic, body), or else the `writeKey` query
 * parameter RudderStack puts there. Only this route reads the query string.
 */
const beaconWriteKey: WriteKeyReader = (request, body) => {
  const key = writeKeyOf(request, body);
  if (key) return key;
  const q = (request.query as Record<string, unknown>)['writeKey'];
  if (typeof q === 'string' && q !== '') return q;
  throw new ClientError(401, 'unauthorized', 'no write key: send it as `?writeKey=` on the beacon path, as the HTTP Basic user name or as `writeKey` in the body');
};

/** A host (name, IPv4 or [IPv6]) and optional port, nothing else: it is echoed in the settings. */
const HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * Where the browser reached the collector (Host, or X-Forwarded-Host/-Proto when `ip.trustProxy`
 * trusts the proxy): analytics.js posts its events back there unless its init options name
 * another `apiHost`.
 */
function apiLocation(request: FastifyRequest): ApiLocation {
  const host = request.host;
  if (!HOST.test(host)) throw new ClientError(400, 'bad_host', 'the Host header is not a host name and port');
  return { host, protocol: request.protocol === 'https' ? 'https' : 'http' };
}

export function registerSdkCompatRoutes(app: FastifyInstance, deps: TrackingDeps): void {
  for (const type of EVENT_TYPES) app.post(shortPath(type), { bodyLimit: deps.maxEventBytes, config: { doc: EVENT_DOCS[type] } }, eventHandler(deps, type));
  app.post('/v1/b', { bodyLimit: deps.maxBatchBytes, config: { doc: BATCH_DOC } }, batchHandler(deps));
  app.post('/beacon/v1/batch', { bodyLimit: deps.maxBatchBytes, errorHandler: quarantineBadBeacon(deps), config: { doc: BEACON_DOC } }, batchHandler(deps, beaconWriteKey));

  app.get<{ Params: { writeKey: string } }>('/v1/projects/:writeKey/settings', { config: { doc: SEGMENT_SETTINGS_DOC } }, async (request, reply) => {
    const source = authenticate(deps.sources, request, {}, (r) => (r.params as { writeKey: string }).writeKey);
    reply.header('cache-control', 'public, max-age=300');
    return segmentSettings(source.writeKey, apiLocation(request));
  });
  // The SDK asks for `/sourceConfig/?p=…&writeKey=…` with the key as HTTP Basic; only the
  // header counts (the query copy is not a credential anywhere but on the beacon path).
  const sourceConfig = async (request: FastifyRequest, reply: FastifyReply) => {
    const source = authenticate(deps.sources, request, {}, (r) => writeKeyOf(r, undefined));
    reply.header('cache-control', 'private, max-age=300');
    return rudderSourceConfig(source);
  };
  for (const path of ['/sourceConfig', '/sourceConfig/']) app.get(path, { config: { doc: RUDDER_SOURCE_CONFIG_DOC } }, sourceConfig);
}

/**
 * Malformed JSON on the beacon path, from a known write key in the query string: kept in
 * failed_events as the other paths keep it for a Basic-auth sender (collector/app.ts), then
 * answered by the collector's error handler.
 */
function quarantineBadBeacon(deps: TrackingDeps) {
  return async (err: FastifyError | Error, request: FastifyRequest): Promise<never> => {
    if (err instanceof InvalidJsonError && !request.headers.authorization) {
      try {
        const source = authenticate(deps.sources, request, {}, beaconWriteKey);
        await deps.quarantine(requestFacts(request, source, deps.now()), err.text, err.message, true);
        err.extra['quarantined'] = true;
      } catch {
        /* unknown key or spool full: the 400 still tells the sender what is wrong */
      }
    }
    throw err;
  };
}
