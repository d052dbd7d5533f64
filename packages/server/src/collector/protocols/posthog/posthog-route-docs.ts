import { MAX_ID_LENGTH } from '@touchline/protocol';
import { z } from 'zod';
import type { RouteDoc } from '../../../http/route-doc.js';
import { posthogFlags, posthogRemoteConfig } from './posthog-config.js';

// PostHog's capture, flags and remote-config routes as Touchline takes them (posthog-routes.ts).
// Bodies are bytes in a raw-body context, decoded by posthog-body.ts in each form the SDKs send;
// the handler judges each event on its own (`validates: 'handler'`).

const Id = z.union([z.string().max(MAX_ID_LENGTH), z.number()]);

export const PostHogEvent = z
  .looseObject({
    event: z.string().min(1).describe('`$pageview` is a page, `$screen` a screen, `$identify` an identify, `$create_alias` an alias, `$groupidentify` a group, anything else a track'),
    distinct_id: Id.optional().describe('Required here or as `properties.distinct_id`'),
    properties: z.looseObject({ token: z.string().optional().describe('The source\'s write key, when the body has no `api_key`') }).optional(),
    timestamp: z.string().optional().describe('ISO-8601 date-time; an event whose time is not one is refused'),
    uuid: z.string().optional().describe('Deduplicates retries'),
    $set: z.looseObject({}).optional(),
  })
  .describe('One PostHog event; a refused one is named in `rejected` and kept in failed_events, the others are stored');

/** A capture body: one event, an array of them, or `{batch: [...]}` (posthog-node, the batch API). */
export const PostHogCapture = z.union([
  PostHogEvent.extend({ api_key: z.string().optional().describe('The source\'s write key') }),
  z.array(PostHogEvent),
  z.looseObject({ api_key: z.string().optional(), batch: z.array(PostHogEvent), sent_at: z.string().optional() }),
]);

/** The same JSON, as posthog-js sends it when it compresses or beacons. */
export const ENCODED_BODIES = {
  'text/plain': z.string().describe('gzip of the JSON body (posthog-js, `?compression=gzip-js`), or base64 of it (sendBeacon, `?compression=base64`)'),
  'application/x-www-form-urlencoded': z.object({ data: z.string().describe('base64 of the JSON body'), compression: z.string().optional() }),
};
const Compression = z.looseObject({ compression: z.enum(['gzip-js', 'base64']).optional().describe('How the body is encoded when it is not JSON text') });

export const PostHogError = z.looseObject({ type: z.string(), code: z.string(), detail: z.string() });
const phError = (type: string, code: string, detail: string) => ({ type, code, detail, touchline: { success: false, error: code, message: detail } });
const UNKNOWN_KEY = phError('authentication_error', 'authentication_failed', 'unknown write key');

export const POSTHOG_EXAMPLE_PAGEVIEW = { event: '$pageview', distinct_id: '0193a1b2-c3d4-7e5f', uuid: '0193a1b2-0001', timestamp: '2026-12-07T10:00:00.000Z', properties: { token: 'phc_web_7a1d', $current_url: 'https://shop.example/?utm_source=news' } };

/** Every capture path (`/e`, `/i/v0/e`, `/capture`, `/track`, `/posthog/…`, with and without the slash). */
export const POSTHOG_CAPTURE_DOC: RouteDoc = {
  summary: 'PostHog capture: an event, an array, or `{batch}` (JSON, gzip, base64 or a form field)',
  security: 'none',
  validates: 'handler',
  querystring: Compression,
  body: PostHogCapture,
  otherBodies: ENCODED_BODIES,
  response: z.object({ status: z.literal(1) }),
  otherResponses: { 400: PostHogError, 401: PostHogError },
  examples: [
    { name: 'stored', request: { body: { api_key: 'phc_web_7a1d', batch: [POSTHOG_EXAMPLE_PAGEVIEW] } }, response: { status: 200, body: { status: 1 } } },
    {
      name: 'one event refused, the other kept',
      request: { body: { api_key: 'phc_web_7a1d', batch: [POSTHOG_EXAMPLE_PAGEVIEW, { ...POSTHOG_EXAMPLE_PAGEVIEW, uuid: '0193a1b2-0002', timestamp: 'yesterday' }] } },
      response: {
        status: 400,
        body: {
          type: 'validation_error',
          code: 'invalid_events',
          detail: '1 event(s) refused and quarantined; 1 kept',
          rejected: [{ index: 1, reason: '`timestamp` must be an ISO-8601 date-time string (got string)', field: 'timestamp' }],
        },
      },
    },
    { name: 'unknown key', request: { body: { ...POSTHOG_EXAMPLE_PAGEVIEW, api_key: 'phc_nope' } }, response: { status: 401, body: UNKNOWN_KEY } },
  ],
};

/** `/flags` and `/decide` (v2 and the older one), with and without `/posthog` and the slash. */
export const POSTHOG_FLAGS_DOC: RouteDoc = {
  summary: 'PostHog feature flags: none, every feature off (posthog-js asks before it captures)',
  security: 'none',
  validates: 'handler',
  querystring: Compression,
  body: z.looseObject({ token: z.string().optional().describe('The source\'s write key (or `api_key`)'), api_key: z.string().optional(), distinct_id: Id.optional() }),
  otherBodies: ENCODED_BODIES,
  response: z.looseObject({ flags: z.object({}), featureFlags: z.object({}), errorsWhileComputingFlags: z.literal(false), sessionRecording: z.literal(false) }),
  otherResponses: { 400: PostHogError, 401: PostHogError },
  examples: [
    { name: 'no flags', request: { body: { token: 'phc_web_7a1d', distinct_id: '0193a1b2-c3d4-7e5f' } }, response: { status: 200, body: JSON.parse(JSON.stringify(posthogFlags())) } },
    { name: 'unknown key', request: { body: { token: 'phc_nope' } }, response: { status: 401, body: phError('authentication_error', 'authentication_failed', 'unknown write key') } },
  ],
};

const Token = z.object({ token: z.string().describe('The source\'s write key (posthog-js\'s project token)') });
const RemoteConfig = z.looseObject({ token: z.string(), hasFeatureFlags: z.literal(false), sessionRecording: z.literal(false), surveys: z.literal(false), siteApps: z.array(z.unknown()).max(0) });

/** `/array/:token/config` (and under `/posthog`): posthog-js's remote configuration. */
export const POSTHOG_CONFIG_DOC: RouteDoc = {
  summary: 'posthog-js remote configuration: capture only, every feature off',
  security: 'none',
  params: Token,
  response: RemoteConfig,
  otherResponses: { 401: PostHogError },
  examples: [
    { name: 'config', request: { params: { token: 'phc_web_7a1d' } }, response: { status: 200, body: posthogRemoteConfig('phc_web_7a1d') } },
    { name: 'unknown key', request: { params: { token: 'phc_nope' } }, response: { status: 401, body: UNKNOWN_KEY } },
  ],
};

/** `/array/:token/config.js`: the same configuration as a script that files it on `window`. */
export const POSTHOG_CONFIG_JS_DOC: RouteDoc = {
  summary: 'posthog-js remote configuration as a script (`window._POSTHOG_REMOTE_CONFIG[token]`)',
  security: 'none',
  params: Token,
  response: z.string(),
  responseType: 'application/javascript',
  otherResponses: { 401: PostHogError },
  examples: [
    {
      name: 'script',
      request: { params: { token: 'phc_web_7a1d' } },
      response: {
        status: 200,
        body: `(function(){window._POSTHOG_REMOTE_CONFIG=window._POSTHOG_REMOTE_CONFIG||{};window._POSTHOG_REMOTE_CONFIG["phc_web_7a1d"]={config:${JSON.stringify(posthogRemoteConfig('phc_web_7a1d'))},siteApps:[]};})();`,
      },
    },
    { name: 'unknown key', request: { params: { token: 'phc_nope' } }, response: { status: 401, body: UNKNOWN_KEY } },
  ],
};
