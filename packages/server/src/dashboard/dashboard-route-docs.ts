import { MODEL_NAMES } from '@touchline/attribution';
import { z } from 'zod';
import type { RouteDoc } from '../http/route-doc.js';

// The dashboard data routes' schemas and examples (dashboard-routes.ts), beside them for length only.

const Day = z.string().regex(/^(\d{4}-\d{2}-\d{2})?$/, 'a day as YYYY-MM-DD').optional();
/** A page's days: `until` inclusive, the last 90 days by default, at most 3,660 (checked by `dayRangeOf`). */
export const DaysQuery = z.object({ since: Day.describe('first day; 90 days before until when absent'), until: Day.describe('last day, included; today when absent') });
const Row = z.record(z.string(), z.unknown());
const Totals = z.object({ events: z.number(), visitors: z.number(), conversions: z.number(), revenue: z.number(), failed: z.number() });
const LiveEvent = z.object({
  at: z.string(), sourceId: z.string(), endpoint: z.string(), type: z.string(), event: z.string().nullable(), messageId: z.string().nullable(),
  status: z.enum(['accepted', 'rejected']), reason: z.string().nullable(), touch: Row.nullable(),
});
const LIVE = {
  at: '2026-12-07T20:31:01.870Z', sourceId: 'src_4f9a1c2b7d3e', endpoint: '/v1/track', type: 'track', event: 'Order Completed', messageId: 'm-8f1c',
  status: 'accepted', reason: null, touch: { channel: 'Paid Search', utm_source: 'google', gclid: 'Cj0K…' },
} as const;
export const JourneyQuery = z.object({ q: z.string().optional().describe('a user id, an anonymous id, or an identify\'s e-mail address') });
export const SyncResultsQuery = z.object({ sync: z.string().describe('the sync\'s name'), run: z.string().describe('one of its run ids') });
export const LiveQuery = z.object({ source: z.string().optional().describe('a source id'), type: z.string().optional().describe('a call type or event name') });
const BAD_DAY = { status: 400, body: { success: false, error: 'bad_request', message: 'since: a day as YYYY-MM-DD (querystring.since)', field: 'querystring.since' } } as const;

export const DASHBOARD_DOCS = {
  settings: {
    summary: 'What the attribution page offers: the configured conversions and defaults, every model and level',
    response: z.object({
      engine: z.string(), conversions: z.array(z.string()), lookbackDays: z.number(), direct: z.unknown(),
      models: z.array(z.enum(MODEL_NAMES)), levels: z.array(z.string()),
    }),
    examples: [{
      name: 'defaults',
      response: { status: 200, body: { engine: 'duckdb', conversions: ['Order Completed'], lookbackDays: 30, direct: 'ignore', models: ['first_touch', 'last_touch'], levels: ['channel', 'source_medium', 'campaign', 'source', 'medium'] } },
    }],
  },
  overview: {
    summary: 'The Overview: events, visitors, conversions and revenue per day, and how much of the traffic carries a touch',
    querystring: DaysQuery,
    response: z.object({
      since: z.string(), until: z.string(),
      days: z.array(Totals.extend({ day: z.string() })),
      totals: Totals,
      health: z.object({
        sessions: z.number(), withUtm: z.number(), withClickId: z.number(), withTouch: z.number(), conversions: z.number(), attributable: z.number(),
        arrivals: z.array(z.object({ library: z.string(), arrivals: z.number() })),
      }),
    }),
    examples: [
      {
        name: 'two days',
        request: { query: { since: '2026-12-06', until: '2026-12-07' } },
        response: {
          status: 200,
          body: {
            since: '2026-12-06', until: '2026-12-07',
            days: [
              { day: '2026-12-06', events: 2410, visitors: 388, conversions: 12, revenue: 1740, failed: 1 },
              { day: '2026-12-07', events: 2707, visitors: 402, conversions: 15, revenue: 2115, failed: 2 },
            ],
            totals: { events: 5117, visitors: 731, conversions: 27, revenue: 3855, failed: 3 },
            health: { sessions: 903, withUtm: 512, withClickId: 233, withTouch: 640, conversions: 27, attributable: 25, arrivals: [{ library: 'analytics.js', arrivals: 903 }] },
          },
        },
      },
      { name: 'not a day', request: { query: { since: '07/12/2026' } }, response: BAD_DAY },
    ],
  },
  quality: {
    summary: 'Refused events of the range grouped by reason, field and endpoint, one example each',
    querystring: DaysQuery,
    response: z.object({
      total: z.number(),
      groups: z.array(z.object({ reason: z.string(), field: z.string().nullable(), endpoint: z.string().nullable(), count: z.number(), lastAt: z.string(), example: z.string().nullable() })),
    }),
    examples: [{
      name: 'one reason',
      request: { query: { since: '2026-12-01' } },
      response: { status: 200, body: { total: 3, groups: [{ reason: 'missing_event_name', field: 'event', endpoint: '/v1/track', count: 3, lastAt: '2026-12-07T18:02:11.000Z', example: '{"type":"track","anonymousId":"a-1"}' }] } },
    }],
  },
  journey: {
    summary: 'One person\'s journey: their ids, touches, events, identities, conversions and what syncs sent',
    querystring: JourneyQuery,
    response: z.object({
      query: z.string(),
      ids: z.object({ userIds: z.array(z.string()), anonymousIds: z.array(z.string()), emails: z.array(z.string()) }),
      touches: z.array(Row), events: z.array(Row), identities: z.array(Row), conversions: z.array(Row), synced: z.array(Row),
      firstTouch: Row.nullable(), lastTouch: Row.nullable(),
    }),
    examples: [
      {
        name: 'by e-mail',
        request: { query: { q: 'ada@example.com' } },
        response: {
          status: 200,
          body: {
            query: 'ada@example.com', ids: { userIds: ['u-8812'], anonymousIds: ['a-1', 'a-7'], emails: ['ada@example.com'] },
            touches: [{ anonymous_id: 'a-1', channel: 'Paid Search', utm_source: 'google', received_at: '2026-12-01T09:00:00.000Z' }],
            events: [{ type: 'track', event: 'Order Completed', user_id: 'u-8812', received_at: '2026-12-03T12:00:00.000Z' }],
            identities: [], conversions: [{ event: 'Order Completed', revenue: 145 }], synced: [],
            firstTouch: { channel: 'Paid Search' }, lastTouch: { channel: 'Email' },
          },
        },
      },
      { name: 'nobody', request: { query: { q: 'nobody@example.com' } }, response: { status: 404, body: { success: false, error: 'not_found', message: 'no user id, anonymous id or identify e-mail matches that' } } },
    ],
  },
  syncResults: {
    summary: 'One run\'s per-row results: refused rows first, then by key (500 at most)',
    querystring: SyncResultsQuery,
    response: z.object({ rows: z.array(Row), truncated: z.boolean() }),
    examples: [{
      name: 'a refused row',
      request: { query: { sync: 'trial_users', run: 'run_20261207150211_a41c9e' } },
      response: {
        status: 200,
        body: {
          rows: [{ pk: 'bob@example', op: 'add', attempt: 1, status: 'rejected', code: 'invalid_identifier', vendor_code: 'INVALID_EMAIL', reason: 'Email address bob@example is invalid', field: 'email', http_status: 400, recorded_at: '2026-12-07T15:02:30.000Z' }],
          truncated: false,
        },
      },
    }],
  },
  live: {
    summary: 'Events as they arrive: server-sent events to an EventSource (Accept: text/event-stream), else the buffered ones as JSON',
    querystring: LiveQuery,
    response: z.object({ events: z.array(LiveEvent), skipped: z.number().int() }),
    otherTypes: { 'text/event-stream': z.string().describe('`data: <event as JSON>` lines; a comment line every 15 s says how many were skipped and dropped') },
    examples: [
      { name: 'buffered', request: { query: { type: 'Order Completed' } }, response: { status: 200, body: { events: [LIVE], skipped: 0 } } },
      { name: 'stream', request: { query: { type: 'Order Completed' } }, response: { status: 200, type: 'text/event-stream', body: `data: ${JSON.stringify(LIVE)}\n\n: skipped 0 dropped 0\n\n` } },
    ],
  },
} satisfies Record<string, RouteDoc>;
