import { z } from 'zod';
import { NAME, nameMessage } from '../activation/config/activation-config.js';
import { RUN_STATUS } from '../activation/store/run-status.js';
import { RUN_KINDS, RUN_TRIGGERS } from '../activation/store/records.js';
import type { RouteDoc } from '../http/route-doc.js';

// The sync routes' schemas and examples (sync-routes.ts), beside them for length only.

const Status = z.enum(Object.values(RUN_STATUS) as [string, ...string[]]);
const RunRecord = z.object({
  runId: z.string(), syncName: z.string(), kind: z.enum(RUN_KINDS as [string, ...string[]]), status: Status,
  trigger: z.enum(RUN_TRIGGERS as [string, ...string[]]), mode: z.string(), destination: z.string(),
  startedAt: z.string(), finishedAt: z.string().nullable(), heartbeatAt: z.string().nullable(), owner: z.string().nullable(), stageTable: z.string().nullable(),
  plannedAdd: z.number().int(), plannedChange: z.number().int(), plannedRemove: z.number().int(),
  delivered: z.number().int(), rejected: z.number().int(), failed: z.number().int(), requests: z.number().int(), resumes: z.number().int(),
  error: z.string().nullable(), details: z.record(z.string(), z.unknown()),
});
const Progress = z.object({
  runId: z.string(), status: Status, planned: z.number().int(), done: z.number().int(), delivered: z.number().int(),
  rejected: z.number().int(), failed: z.number().int(), retrying: z.number().int(), requests: z.number().int(),
});
const Counts = z.object({ add: z.number().int(), change: z.number().int(), remove: z.number().int() });

const SyncName = z.object({ name: z.string().regex(NAME, nameMessage) });
const RunId = SyncName.extend({ runId: z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, 'a run id (touchline syncs runs <name>)') });
/** `true` / `"true"` turn an option on; anything else it was sent as leaves it off. */
const Flag = z.union([z.boolean(), z.enum(['true', 'false'])]).optional();
export const RunBody = z.looseObject({
  full: Flag.describe('send every row again, not only the diff'),
  baseline: Flag.describe('adopt the rows as synced without sending them'),
  test: z.union([z.boolean(), z.string().min(1)]).optional().describe('the destination\'s test mode; a string is its test code (Meta test_event_code)'),
  force: Flag.describe('past a blast-radius guard: asks a second member to approve'),
}).optional();
export const DryRunBody = z.looseObject({
  limit: z.number().int().min(0).optional().describe('rows and requests shown; 20 when absent'),
  full: z.boolean().optional(),
}).optional();
export const RunsQuery = z.object({ limit: z.string().regex(/^\d{1,6}$/, 'a whole number of runs').optional().describe('20 when absent') });

const RUN = {
  runId: 'run_20261207150211_a41c9e', syncName: 'trial_users', kind: 'run', status: 'succeeded', trigger: 'api', mode: 'upsert', destination: 'hubspot',
  startedAt: '2026-12-07T15:02:11.000Z', finishedAt: '2026-12-07T15:02:40.000Z', heartbeatAt: '2026-12-07T15:02:39.000Z', owner: null, stageTable: null,
  plannedAdd: 1180, plannedChange: 60, plannedRemove: 0, delivered: 1238, rejected: 2, failed: 0, requests: 13, resumes: 0, error: null, details: {},
} as const;
const UNKNOWN_SYNC = { status: 400, body: { success: false, error: 'sync_error', message: 'no sync named "trial_user" (touchline syncs list)' } } as const;

export const SYNC_DOCS = {
  list: {
    summary: 'Every configured sync with its last run, and the forwarding rules with their outboxes',
    response: z.object({
      syncs: z.array(z.object({ name: z.string(), destination: z.string(), type: z.string(), mode: z.string(), schedule: z.string(), lastRun: RunRecord.nullable(), rows: z.number().int() })),
      forwarding: z.looseObject({ rules: z.array(z.looseObject({ name: z.string(), destination: z.string(), type: z.string() })) }),
    }),
    examples: [{
      name: 'one sync',
      response: { status: 200, body: { syncs: [{ name: 'trial_users', destination: 'hubspot', type: 'hubspot', mode: 'upsert', schedule: 'every 1h', lastRun: RUN, rows: 18240 }], forwarding: { rules: [] } } },
    }],
  },
  run: {
    summary: 'Starts a run (202 with its id; poll the run). A member\'s first sends are test-only and capped; some wait for approval',
    params: SyncName,
    body: RunBody,
    response: z.object({ runId: z.string() }),
    examples: [
      { name: 'real run', request: { params: { name: 'trial_users' }, body: { full: false } }, response: { status: 202, body: { runId: RUN.runId } } },
      { name: 'unknown sync', request: { params: { name: 'trial_user' }, body: {} }, response: UNKNOWN_SYNC },
    ],
  },
  read: {
    summary: 'One run\'s record, and its progress while it goes on in this process',
    params: RunId,
    response: z.object({ run: RunRecord, progress: Progress.nullable() }),
    examples: [
      { name: 'finished', request: { params: { name: 'trial_users', runId: RUN.runId } }, response: { status: 200, body: { run: RUN, progress: null } } },
      {
        name: 'not of this sync',
        request: { params: { name: 'churned', runId: RUN.runId } },
        response: { status: 404, body: { success: false, error: 'not_found', message: `no run ${RUN.runId} of sync churned` } },
      },
    ],
  },
  history: {
    summary: 'A sync\'s runs, newest first',
    params: SyncName,
    querystring: RunsQuery,
    response: z.object({ runs: z.array(RunRecord) }),
    examples: [{ name: 'last run', request: { params: { name: 'trial_users' }, query: { limit: '1' } }, response: { status: 200, body: { runs: [RUN] } } }],
  },
  dryRun: {
    summary: 'What a run would send: the diff\'s counts, its first rows and the exact requests (credentials masked)',
    params: SyncName,
    body: DryRunBody,
    response: z.object({
      sync: z.string(), destination: z.string(), type: z.string(), mode: z.string(), stagedRows: z.number().int(), counts: Counts, guard: z.string().nullable(),
      rows: z.array(z.object({
        pk: z.string(), op: z.enum(['add', 'change', 'remove']), row: z.record(z.string(), z.unknown()), before: z.record(z.string(), z.unknown()).nullable(),
        changed: z.array(z.string()), refused: z.object({ code: z.string(), reason: z.string(), field: z.string().optional() }).nullable(),
      })),
      requests: z.array(z.object({ method: z.string(), url: z.string(), headers: z.record(z.string(), z.string()), body: z.unknown() })),
      minRequests: z.number().int(), testMode: z.string(),
    }),
    examples: [
      {
        name: 'one row',
        request: { params: { name: 'trial_users' }, body: { limit: 1 } },
        response: {
          status: 200,
          body: {
            sync: 'trial_users', destination: 'hubspot', type: 'hubspot', mode: 'upsert', stagedRows: 1240, counts: { add: 1180, change: 60, remove: 0 }, guard: null,
            rows: [{ pk: 'ana@example.com', op: 'add', row: { email: 'ana@example.com', plan: 'trial' }, before: null, changed: [], refused: null }],
            requests: [{ method: 'POST', url: 'https://api.hubapi.com/crm/v3/objects/contacts/batch/upsert', headers: { authorization: '***', 'content-type': 'application/json' }, body: { inputs: [{ id: 'ana@example.com', idProperty: 'email', properties: { plan: 'trial' } }] } }],
            minRequests: 13, testMode: 'none: HubSpot has no test mode (a dry run shows the requests)',
          },
        },
      },
      { name: 'unknown sync', request: { params: { name: 'trial_user' }, body: { limit: 5 } }, response: UNKNOWN_SYNC },
    ],
  },
  cancel: {
    summary: 'Cancels a sync\'s open run: in this process (null: it stops shortly), or one a stopped process left (its record)',
    params: SyncName,
    response: z.object({ cancelled: RunRecord.nullable() }),
    examples: [{ name: 'running here', request: { params: { name: 'trial_users' } }, response: { status: 200, body: { cancelled: null } } }],
  },
} satisfies Record<string, RouteDoc>;
