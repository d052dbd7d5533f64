import { EVENT_TYPES, MAX_ID_LENGTH, MAX_NAME_LENGTH, type EventType } from '@touchline/protocol';
import { z } from 'zod';
import type { RouteDoc } from '../http/route-doc.js';

// The Segment Tracking API's schemas and examples (tracking-routes.ts, sdk-compat-routes.ts).
// Each event is judged by validateEvent (@touchline/protocol), one at a time: these schemas
// describe its rules for the spec and are not run before the handler (`validates: 'handler'`).

const Id = z.union([z.string().max(MAX_ID_LENGTH), z.number()]);
const Time = z.string().describe('ISO-8601 date-time; an event whose time is not one is refused');
const Obj = z.looseObject({});

const COMMON = {
  messageId: Id.optional().describe('Deduplicates retries: an event seen before is acknowledged as a duplicate'),
  anonymousId: Id.optional(),
  userId: Id.optional().describe('One of `userId` or `anonymousId` is required'),
  timestamp: Time.optional(),
  originalTimestamp: Time.optional(),
  sentAt: Time.optional(),
  context: Obj.optional().describe('Page, campaign, consent, user agent…; a batch\'s `context` applies to each event, the event\'s own keys win'),
  integrations: Obj.optional(),
  properties: Obj.optional(),
  traits: Obj.optional(),
};

const Name = z.string().min(1).max(MAX_NAME_LENGTH);
/** What each type needs beyond an id (validate-event.ts). */
const BY_TYPE: Readonly<Record<EventType, z.ZodRawShape>> = {
  track: { event: Name },
  page: { name: Name.optional(), category: Name.optional() },
  screen: { name: Name.optional(), category: Name.optional() },
  identify: {},
  group: { groupId: Id },
  alias: { previousId: Id, userId: Id },
};

/** One event as `/v1/<type>` takes it: the type is the path's. */
const eventBody = (type: EventType) =>
  z.looseObject({ ...COMMON, ...BY_TYPE[type], writeKey: z.string().optional().describe('When not sent as the HTTP Basic user name') })
    .describe(`A ${type} call. One of \`userId\` or \`anonymousId\`; ids at most ${MAX_ID_LENGTH} characters; a refused event is answered 400 and kept in failed_events`);

/** One event of a batch: it names its own type. */
export const SegmentEvent = z
  .discriminatedUnion('type', EVENT_TYPES.map((t) => z.looseObject({ type: z.literal(t), ...COMMON, ...BY_TYPE[t] })) as unknown as [z.ZodObject, ...z.ZodObject[]])
  .describe('A Segment event; a refused one is named in `rejected` (index, reason, field) and kept in failed_events, the others are stored');

const Rejected = z.array(z.object({ index: z.number().int(), reason: z.string(), field: z.string() }));
export const BatchAnswer = z.object({ success: z.boolean(), accepted: z.number().int(), duplicates: z.number().int(), rejected: Rejected });

export const SegmentBatch = z.looseObject({
  batch: z.array(SegmentEvent).describe('The events; each is judged alone'),
  sentAt: Time.optional().describe('When the SDK sent the batch (clock-skew correction; ignored when not a date-time)'),
  context: Obj.optional(),
  writeKey: z.string().optional().describe('When not sent as the HTTP Basic user name'),
});

const ANON = '7d3f1c2a-5b8e-4f0a-9c6d-2e1b0a9f8c7d';
const TRACK = { type: 'track', event: 'Order Completed', anonymousId: ANON, messageId: 'msg-0001', properties: { revenue: 42.5, currency: 'EUR' }, timestamp: '2026-12-07T10:00:00.000Z' };
const EXAMPLE_EVENTS: Readonly<Record<EventType, Record<string, unknown>>> = {
  track: { event: 'Signed Up', userId: 'u_1042', properties: { plan: 'trial' } },
  page: { name: 'Pricing', anonymousId: ANON, context: { page: { url: 'https://shop.example/pricing?utm_source=news' } } },
  screen: { name: 'Home', anonymousId: ANON },
  identify: { userId: 'u_1042', anonymousId: ANON, traits: { email: 'ana@example.com' } },
  group: { userId: 'u_1042', groupId: 'acme', traits: { name: 'Acme' } },
  alias: { userId: 'u_1042', previousId: ANON },
};
// A time that is not one: the schema cannot say so (any string), the handler refuses it.
const BAD_TIME = { timestamp: 'yesterday' };
const BAD_TIME_REASON = '`timestamp` must be an ISO-8601 date-time string (got string)';

/** `/v1/<type>` and its short path (`/v1/t`…): one doc per type, shared by both. */
export const EVENT_DOCS: Readonly<Record<EventType, RouteDoc>> = Object.fromEntries(
  EVENT_TYPES.map((type): [EventType, RouteDoc] => [
    type,
    {
      summary: `One ${type} call (Segment Tracking API; analytics.js posts it to /v1/${type.charAt(0)})`,
      validates: 'handler',
      body: eventBody(type),
      response: z.object({ success: z.literal(true) }),
      examples: [
        { name: 'stored', request: { body: EXAMPLE_EVENTS[type] }, response: { status: 200, body: { success: true } } },
        {
          name: 'refused and quarantined',
          request: { body: { ...EXAMPLE_EVENTS[type], ...BAD_TIME } },
          response: { status: 400, body: { success: false, error: 'invalid_event', message: BAD_TIME_REASON, field: 'timestamp', quarantined: true } },
        },
      ],
    },
  ]),
) as Record<EventType, RouteDoc>;

const BATCH_EXAMPLES: RouteDoc['examples'] = [
  {
    name: 'one event refused, the others kept',
    request: { body: { batch: [TRACK, { ...TRACK, messageId: 'msg-0002', event: 'Product Viewed' }, { ...TRACK, messageId: 'msg-0003', ...BAD_TIME }], sentAt: '2026-12-07T10:00:01.000Z' } },
    response: { status: 200, body: { success: true, accepted: 2, duplicates: 0, rejected: [{ index: 2, reason: BAD_TIME_REASON, field: 'timestamp' }] } },
  },
  {
    // sent `{"batch": {…}}`: no request example, as it is not one the schema takes
    name: 'not a batch',
    response: { status: 400, body: { success: false, error: 'invalid_batch', message: '`batch` must be an array of events', field: 'batch', quarantined: true } },
  },
];

/** `/v1/batch` and analytics.js's `/v1/b`. */
export const BATCH_DOC: RouteDoc = {
  summary: 'A batch of events of any type (Segment Tracking API; analytics.js batches to /v1/b)',
  validates: 'handler',
  body: SegmentBatch,
  otherBodies: { 'text/plain': SegmentBatch },
  response: BatchAnswer,
  examples: BATCH_EXAMPLES,
};

/** RudderStack's beacon path: a beacon sends no header, so the key may come in the query string. */
export const BEACON_DOC: RouteDoc = {
  summary: 'A batch from RudderStack\'s beacon transport (`text/plain`, the write key as `?writeKey=`)',
  validates: 'handler',
  querystring: z.object({ writeKey: z.string().optional().describe('The write key, when not sent as the HTTP Basic user name or in the body') }),
  body: SegmentBatch,
  otherBodies: { 'text/plain': SegmentBatch },
  response: BatchAnswer,
  examples: [{ ...BATCH_EXAMPLES[0], request: { ...BATCH_EXAMPLES[0].request, query: { writeKey: 'wk_web_3f9a' } } }, BATCH_EXAMPLES[1]!],
};

const UNKNOWN_KEY = { success: false, error: 'unauthorized', message: 'unknown write key' };

/** `GET /v1/projects/:writeKey/settings` (analytics.js). */
export const SEGMENT_SETTINGS_DOC: RouteDoc = {
  summary: 'analytics.js settings: post here, load no device-mode destination, no remote plugins, no vendor metrics',
  security: 'none',
  params: z.object({ writeKey: z.string().describe('The source\'s write key') }),
  response: z.looseObject({
    integrations: z.object({ 'Segment.io': z.object({ apiKey: z.string(), apiHost: z.string(), protocol: z.enum(['http', 'https']) }) }),
    remotePlugins: z.array(z.unknown()).max(0),
    metrics: z.object({ sampleRate: z.literal(0) }),
  }),
  examples: [
    {
      name: 'settings',
      request: { params: { writeKey: 'wk_web_3f9a' } },
      response: {
        status: 200,
        body: { integrations: { 'Segment.io': { apiKey: 'wk_web_3f9a', apiHost: 'collect.shop.example/v1', protocol: 'https' } }, remotePlugins: [], middlewareSettings: {}, enabledMiddleware: {}, metrics: { sampleRate: 0 } },
      },
    },
    { name: 'unknown key', request: { params: { writeKey: 'wk_nope' } }, response: { status: 401, body: UNKNOWN_KEY } },
  ],
};

/** `GET /sourceConfig[/]` (RudderStack's JavaScript SDK; the key as HTTP Basic, the query ignored). */
export const RUDDER_SOURCE_CONFIG_DOC: RouteDoc = {
  summary: 'RudderStack source configuration: enabled, no destinations, no stats sent to RudderStack',
  response: z.object({
    source: z.object({ id: z.string(), name: z.string(), enabled: z.literal(true), config: z.looseObject({}), destinations: z.array(z.unknown()).max(0) }),
  }),
  examples: [
    {
      name: 'config',
      response: {
        status: 200,
        body: { source: { id: 'web', name: 'Web site', enabled: true, config: { statsCollection: { errors: { enabled: false }, metrics: { enabled: false } } }, destinations: [] } },
      },
    },
    { name: 'no key', response: { status: 401, body: { success: false, error: 'unauthorized', message: 'no write key: send it as the HTTP Basic user name or as `writeKey` in the body' } } },
  ],
};
