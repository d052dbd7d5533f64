import { z } from 'zod';
import { BatchAnswer, SegmentBatch } from '../collector/segment-route-docs.js';
import type { RouteDoc } from '../http/route-doc.js';

// The browser tracker's two routes (tracker-routes.ts), at `tracker.scriptPath` and
// `tracker.endpointPath` (default `/_t/s.js`, `/_t/b`).

const Touch = z.looseObject({
  at: z.string().optional(), url: z.string().optional(), referrer_domain: z.string().optional(),
  utm_source: z.string().optional(), utm_medium: z.string().optional(), utm_campaign: z.string().optional(),
  click_id_type: z.string().optional(), click_id: z.string().optional(),
});

/** The tracker's endpoint: a Segment batch sent as `text/plain` (no preflight), answered with the visitor's touches. */
export const TRACKER_BATCH_DOC: RouteDoc = {
  summary: 'The tracker\'s batch: Segment events with `writeKey`, answered with the visitor id and first and last touch (and its cookie)',
  validates: 'handler',
  body: SegmentBatch,
  otherBodies: { 'text/plain': SegmentBatch },
  response: BatchAnswer.extend({ anonymousId: z.string().optional(), touches: z.object({ first: Touch.optional(), last: Touch.optional() }).optional() }),
  examples: [
    {
      name: 'a landing from a newsletter',
      request: {
        body: {
          writeKey: 'wk_web_3f9a',
          sentAt: '2026-12-07T10:00:01.000Z',
          batch: [
            {
              type: 'page',
              anonymousId: '7d3f1c2a-5b8e-4f0a-9c6d-2e1b0a9f8c7d',
              messageId: 'msg-0101',
              timestamp: '2026-12-07T10:00:00.000Z',
              context: { page: { url: 'https://shop.example/?utm_source=news&utm_medium=email', referrer: '' }, consent: { analytics_storage: 'granted' } },
            },
          ],
        },
      },
      response: {
        status: 200,
        body: {
          success: true, accepted: 1, duplicates: 0, rejected: [], anonymousId: '7d3f1c2a-5b8e-4f0a-9c6d-2e1b0a9f8c7d',
          touches: {
            first: { at: '2026-12-07T10:00:00.000Z', url: 'https://shop.example/?utm_source=news&utm_medium=email', utm_source: 'news', utm_medium: 'email' },
            last: { at: '2026-12-07T10:00:00.000Z', url: 'https://shop.example/?utm_source=news&utm_medium=email', utm_source: 'news', utm_medium: 'email' },
          },
        },
      },
    },
    { name: 'not a batch', response: { status: 400, body: { success: false, error: 'invalid_batch', message: '`batch` must be an array of events', field: 'batch', quarantined: true } } },
  ],
};

/** The tracker's script, a copy per registrable domain; ETag revalidation, gzip when asked. */
export const TRACKER_SCRIPT_DOC: RouteDoc = {
  summary: 'The browser tracker\'s script (`text/javascript`; 304 when `If-None-Match` names its ETag)',
  security: 'none',
  response: z.string(),
  responseType: 'text/javascript',
  examples: [{ name: 'script', response: { status: 200, body: '"use strict";(()=>{ /* the tracker, minified */ })();' } }],
};
