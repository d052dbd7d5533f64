import { z } from 'zod';
import type { RouteDoc } from '../../../http/route-doc.js';

// Snowplow's tracker protocol as Touchline takes it (snowplow-routes.ts): `POST …/tp2` and the
// pixel `GET …/i`, under `/snowplow`, `/snowplow/<writeKey>` and Snowplow's own paths — one doc
// for each, shared by the three. Each event is judged alone (`validates: 'handler'`).

const S = z.string();
export const SnowplowEvent = z
  .looseObject({
    e: z.enum(['pv', 'pp', 'se', 'ue', 'tr', 'ti']).describe('Page view, page ping, structured, self-describing, transaction, transaction item'),
    aid: S.optional().describe('The app id: the source\'s write key when the path names none (then every event of the request carries the same one)'),
    eid: S.optional().describe('Deduplicates retries'),
    duid: S.optional().describe('One of `duid` (or `nuid`) or `uid` is required'),
    uid: S.optional(),
    dtm: S.optional().describe('Milliseconds since the epoch, as a string'),
    stm: S.optional(),
    url: S.optional(),
    refr: S.optional(),
    page: S.optional(),
    se_ca: S.optional(),
    se_ac: S.optional().describe('Required on `e=se`'),
    ue_pr: S.optional().describe('`e=ue`: a self-describing JSON `{schema, data}` (or base64 of it as `ue_px`)'),
    ue_px: S.optional(),
    cx: S.optional().describe('Contexts: base64 of a self-describing JSON (or `co`, plain)'),
    co: S.optional(),
    tv: S.optional(),
  })
  .describe('One tracker-protocol event; every value is a string. A refused one is named in `rejected` and kept in failed_events, the others are stored');

const Key = z.object({ key: z.string().describe('The source\'s write key, on `/snowplow/<writeKey>/…`') });
const Refused = z.looseObject({ success: z.literal(false), error: z.string(), message: z.string() });
const PV = { e: 'pv', aid: 'wk_web_3f9a', eid: '4b2c9f10-2d3e-4f5a-8b6c-7d8e9f0a1b2c', duid: '9a8b7c6d-5e4f', dtm: '1796637600000', url: 'https://shop.example/?utm_source=news', tv: 'js-4.1.0' };
const NO_KEY = { status: 401, body: { success: false, error: 'unauthorized', message: 'unknown write key' } };

/** `POST /snowplow[/:key]/com.snowplowanalytics.snowplow/tp2` and Snowplow's own path. */
export const SNOWPLOW_TP2_DOC: RouteDoc = {
  summary: 'Snowplow tracker protocol: a `payload_data` self-describing JSON of events (JSON, optionally gzip)',
  security: 'none',
  validates: 'handler',
  params: Key,
  body: z.looseObject({ schema: z.string().describe('iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4'), data: z.array(SnowplowEvent) }),
  response: z.string().max(0),
  responseType: 'text/plain',
  otherResponses: { 400: Refused },
  examples: [
    {
      name: 'stored',
      request: { params: { key: 'wk_web_3f9a' }, body: { schema: 'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4', data: [PV] } },
      response: { status: 200, body: '' },
    },
    {
      name: 'one event refused, the other kept',
      request: { body: { schema: 'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4', data: [PV, { ...PV, eid: '4b2c9f10-0002', dtm: 'yesterday' }] } },
      response: {
        status: 400,
        body: { success: false, error: 'invalid_events', message: '1 event(s) refused and quarantined; 1 kept', rejected: [{ index: 1, reason: '`dtm` must be milliseconds since the epoch', field: 'dtm' }] },
      },
    },
    { name: 'unknown app id', request: { body: { schema: 'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4', data: [{ ...PV, aid: 'wk_nope' }] } }, response: NO_KEY },
  ],
};

/** The pixel: `GET /snowplow[/:key]/i?e=pv&…` and Snowplow's own `/i`. */
export const SNOWPLOW_PIXEL_DOC: RouteDoc = {
  summary: 'Snowplow pixel: one event in the query string, answered with a 1×1 GIF',
  security: 'none',
  validates: 'handler',
  params: Key,
  querystring: SnowplowEvent,
  response: z.string().meta({ contentMediaType: 'image/gif', contentEncoding: 'base64' }),
  responseType: 'image/gif',
  otherResponses: { 400: Refused },
  examples: [
    { name: 'stored', request: { params: { key: 'wk_web_3f9a' }, query: PV }, response: { status: 200, body: 'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7' } },
    {
      name: 'refused',
      request: { query: { ...PV, duid: '' } },
      response: { status: 400, body: { success: false, error: 'invalid_events', message: '1 event(s) refused and quarantined; 0 kept', rejected: [{ index: 0, reason: 'one of `duid` (or `nuid`) or `uid` is required', field: 'duid' }] } },
    },
  ],
};
