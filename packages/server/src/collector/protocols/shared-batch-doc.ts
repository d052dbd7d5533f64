import { z } from 'zod';
import type { RouteDoc } from '../../http/route-doc.js';
import { AMPLITUDE_EXAMPLE_EVENT, AmplitudeBatch, AmplitudeError, AmplitudeOk } from './amplitude/amplitude-route-docs.js';
import { ENCODED_BODIES, POSTHOG_EXAMPLE_PAGEVIEW, PostHogCapture, PostHogError } from './posthog/posthog-route-docs.js';

/**
 * `/batch` and `/batch/`: Amplitude's Batch API and PostHog's batch path, told apart by the body
 * (protocols.ts). Errors other than PostHog's refused events come in Amplitude's shape (the
 * routes live in Amplitude's context).
 */
export const SHARED_BATCH_DOC: RouteDoc = {
  summary: 'Amplitude Batch API (`{api_key, events}`) or PostHog batch (`{api_key, batch}`), by what the body holds',
  security: 'none',
  validates: 'handler',
  body: z.union([AmplitudeBatch, PostHogCapture]),
  otherBodies: ENCODED_BODIES,
  response: z.union([AmplitudeOk, z.object({ status: z.literal(1) })]),
  otherResponses: { 400: z.union([AmplitudeError, PostHogError]), 401: AmplitudeError },
  examples: [
    {
      name: 'Amplitude',
      request: { body: { api_key: 'wk_app_51c0', events: [AMPLITUDE_EXAMPLE_EVENT] } },
      response: { status: 200, body: { code: 200, events_ingested: 1, payload_size_bytes: 160, server_upload_time: 1796637601000 } },
    },
    { name: 'PostHog', request: { body: { api_key: 'phc_web_7a1d', batch: [POSTHOG_EXAMPLE_PAGEVIEW] } }, response: { status: 200, body: { status: 1 } } },
    {
      name: 'PostHog, unknown key',
      request: { body: { api_key: 'phc_nope', batch: [POSTHOG_EXAMPLE_PAGEVIEW] } },
      response: { status: 401, body: { code: 401, error: 'unknown write key', touchline: { success: false, error: 'authentication_failed', message: 'unknown write key' } } },
    },
  ],
};
