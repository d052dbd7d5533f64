import { MAX_ID_LENGTH } from '@touchline/protocol';
import { z } from 'zod';
import type { RouteDoc } from '../../../http/route-doc.js';

// Amplitude's HTTP V2 and Batch API as Touchline takes them (amplitude-routes.ts). The body is
// bytes in a raw-body context (JSON, or gzip of it without Content-Encoding): the handler reads
// and judges it, event by event (`validates: 'handler'`).

const Id = z.union([z.string().max(MAX_ID_LENGTH), z.number()]);

export const AmplitudeEvent = z
  .looseObject({
    event_type: z.string().describe('`$identify` is an identify, `[Amplitude] Page Viewed` a page, anything else a track'),
    user_id: Id.optional().describe('One of `user_id` or `device_id`, each at least `options.min_id_length` characters (5)'),
    device_id: Id.optional(),
    time: z.number().optional().describe('Milliseconds since the epoch'),
    insert_id: z.string().optional().describe('Deduplicates retries'),
    event_properties: z.looseObject({}).optional(),
    user_properties: z.looseObject({}).optional(),
    user_agent: z.string().optional(),
  })
  .describe('One Amplitude event; a refused one is named by index in the 400 (`events_with_*_fields`) and kept in failed_events, the others are stored');

export const AmplitudeBatch = z.looseObject({
  api_key: z.string().describe('The source\'s write key'),
  events: z.array(AmplitudeEvent).max(2000).describe('At most 2000 (413 above: the SDK halves and retries)'),
  options: z.looseObject({ min_id_length: z.number().int().min(1).optional() }).optional(),
  client_upload_time: z.string().optional(),
});

export const AmplitudeOk = z.object({ code: z.literal(200), events_ingested: z.number().int(), payload_size_bytes: z.number().int(), server_upload_time: z.number().int() });
export const AmplitudeError = z.looseObject({ code: z.number().int(), error: z.string(), missing_field: z.string().optional() });

export const AMPLITUDE_EXAMPLE_EVENT = { event_type: 'Order Completed', device_id: '7d3f1c2a-5b8e-4f0a', insert_id: 'evt-0001', time: 1796637600000, event_properties: { revenue: 42.5 } };

/** `/amplitude/2/httpapi`, `/amplitude/batch`, `/2/httpapi`. */
export const AMPLITUDE_DOC: RouteDoc = {
  summary: 'Amplitude HTTP V2 / Batch API: `{api_key, events}` (JSON, optionally gzip)',
  security: 'none',
  validates: 'handler',
  body: AmplitudeBatch,
  response: AmplitudeOk,
  otherResponses: { 400: AmplitudeError, 413: AmplitudeError },
  examples: [
    {
      name: 'stored',
      request: { body: { api_key: 'wk_app_51c0', events: [AMPLITUDE_EXAMPLE_EVENT] } },
      response: { status: 200, body: { code: 200, events_ingested: 1, payload_size_bytes: 160, server_upload_time: 1796637601000 } },
    },
    {
      name: 'one event refused, the other kept',
      request: { body: { api_key: 'wk_app_51c0', events: [AMPLITUDE_EXAMPLE_EVENT, { ...AMPLITUDE_EXAMPLE_EVENT, insert_id: 'evt-0002', device_id: 'abc' }] } },
      response: {
        status: 400,
        body: {
          code: 400,
          error: '1 event(s) refused and quarantined; 1 kept',
          events_with_missing_fields: {},
          events_with_invalid_fields: {},
          events_with_invalid_id_lengths: { device_id: [1] },
          events_ingested: 1,
          rejected: [{ index: 1, reason: '`device_id` is shorter than 5 characters (options.min_id_length)', field: 'device_id' }],
        },
      },
    },
    { name: 'unknown key', request: { body: { api_key: 'wk_nope', events: [AMPLITUDE_EXAMPLE_EVENT] } }, response: { status: 400, body: { code: 400, error: 'Invalid API key: unknown write key' } } },
  ],
};

/** `GET /amplitude/config/:key`: the browser SDK's remote configuration, none. */
export const AMPLITUDE_CONFIG_DOC: RouteDoc = {
  summary: 'Amplitude browser SDK remote configuration: none (the SDK keeps its init options)',
  security: 'none',
  params: z.object({ key: z.string().describe('The source\'s write key (the SDK\'s API key)') }),
  response: z.object({}).strict(),
  otherResponses: { 401: AmplitudeError },
  examples: [
    { name: 'none', request: { params: { key: 'wk_app_51c0' } }, response: { status: 200, body: {} } },
    { name: 'unknown key', request: { params: { key: 'wk_nope' } }, response: { status: 401, body: { code: 400, error: 'Invalid API key: unknown write key' } } },
  ],
};
