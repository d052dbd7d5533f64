import { z } from 'zod';
import type { RouteDoc } from '../http/route-doc.js';
import { SUBJECT_KINDS } from '../privacy/person-identifiers.js';

// The privacy routes' schemas and examples (privacy-routes.ts), beside them for length only.

/** The longest a delete waits for ClickHouse's deletes before answering `pending`. */
const MAX_WAIT_MS = 10 * 60_000;

/** One identifier of one kind; an `email` must look like one (checked in the handler: it needs both fields). */
export const DeleteBody = z.looseObject({
  kind: z.enum(SUBJECT_KINDS as [string, ...string[]]),
  value: z.string().refine((v) => v.trim() !== '', 'the identifier, a non-empty string'),
  dryRun: z.boolean().optional().describe('show what would be removed, remove nothing'),
  waitMs: z.number().int().min(0).max(MAX_WAIT_MS).optional().describe('wait this long for ClickHouse\'s deletes before answering pending; 0 when absent'),
});

const PrivacyRequest = z.object({
  id: z.string().nullable(), subjectKind: z.enum(SUBJECT_KINDS as [string, ...string[]]), subjectHash: z.string(),
  status: z.enum(['done', 'pending', 'running', 'dry_run']),
  identifiers: z.object({ ids: z.number().int(), shared: z.number().int(), emails: z.number().int() }),
  removed: z.record(z.string(), z.number().int()), pending: z.array(z.string()),
  createdAt: z.string(), createdBy: z.string(), finishedAt: z.string().nullable(),
});
const Id = z.object({ id: z.string().min(1).max(80).regex(/^[A-Za-z0-9_-]+$/, 'a privacy request id (touchline privacy requests)') });

const DONE = {
  id: 'prv_2b7f0c91', subjectKind: 'email', subjectHash: 'hmac-sha256:9f2c…', status: 'done',
  identifiers: { ids: 3, shared: 0, emails: 1 }, removed: { events: 214, failed_events: 0, sync_row_results: 2, touch_store: 2 }, pending: [],
  createdAt: '2026-12-07T15:00:00.000Z', createdBy: 'olga@example.com', finishedAt: '2026-12-07T15:00:01.000Z',
} as const;

export const PRIVACY_DOCS = {
  delete: {
    summary: 'Removes a person everywhere (events, failed events, sync results, touches) and suppresses their identifiers; a dry run counts',
    body: DeleteBody,
    response: PrivacyRequest,
    examples: [
      { name: 'done', request: { body: { kind: 'email', value: 'ada@example.com', waitMs: 120000 } }, response: { status: 200, body: DONE } },
      {
        name: 'not an e-mail address',
        request: { body: { kind: 'email', value: 'ada.example.com' } },
        response: { status: 400, body: { success: false, error: 'bad_request', message: 'value is not an email address (kind is email)' } },
      },
      { name: 'dry run', request: { body: { kind: 'user_id', value: 'u-8812', dryRun: true } }, response: { status: 200, body: { ...DONE, id: null, subjectKind: 'user_id', status: 'dry_run', finishedAt: null } } },
    ],
  },
  list: {
    summary: 'Every privacy request, newest first (identifier hashes, never identifiers)',
    response: z.object({ requests: z.array(PrivacyRequest) }),
    examples: [{ name: 'one', response: { status: 200, body: { requests: [DONE] } } }],
  },
  read: {
    summary: 'One privacy request, with ClickHouse\'s deletes looked at again while pending',
    params: Id,
    response: PrivacyRequest,
    examples: [
      { name: 'done', request: { params: { id: 'prv_2b7f0c91' } }, response: { status: 200, body: DONE } },
      { name: 'unknown', request: { params: { id: 'prv_0000' } }, response: { status: 404, body: { success: false, error: 'not_found', message: 'no privacy request prv_0000 (touchline privacy requests lists them)' } } },
    ],
  },
  suppressions: {
    summary: 'The suppression list: per privacy request, how many identifier hashes it holds',
    response: z.object({ suppressions: z.array(z.object({ requestId: z.string(), createdAt: z.string(), hashes: z.number().int() })) }),
    examples: [{ name: 'one', response: { status: 200, body: { suppressions: [{ requestId: 'prv_2b7f0c91', createdAt: '2026-12-07T15:00:00.000Z', hashes: 4 }] } } }],
  },
} satisfies Record<string, RouteDoc>;
