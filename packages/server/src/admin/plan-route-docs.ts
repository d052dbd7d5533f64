import { z } from 'zod';
import type { RouteDoc } from '../http/route-doc.js';
import { PlanDocumentSchema } from '../plans/plan-document.js';
import { VIOLATION_KINDS } from '../plans/violations.js';

// The tracking plan routes' schemas and examples (plan-routes.ts), beside them for length only.

const Point = z.string().describe('a span back from now (7d, 36h) or a date (2026-05-01)');
/** The range and source a plan read covers; the range is checked by `receivedRange`, which names the flag. */
const Scope = {
  since: Point.optional().describe('7 days back when absent'),
  until: Point.optional().describe('now when absent'),
  days: z.union([z.number(), z.string().regex(/^\d*$/, 'a whole number of days')]).optional().describe('the default span in days when since is absent; 7'),
  source: z.string().optional().describe('a source name or id'),
};
export const ScopeQuery = z.object(Scope);
export const DiffBody = z.looseObject({ plan: PlanDocumentSchema, ...Scope });
export const ReplayBody = z.looseObject({
  ...Scope,
  reason: z.string().optional().describe('only failed events whose reason contains this (unplanned_event, an event name)'),
  dryRun: z.boolean().optional(),
}).optional();

const Kind = z.enum(VIOLATION_KINDS);
const Action = z.enum(['recorded', 'dropped', 'blocked']);
const PLAN = {
  version: '2026.12.1', name: 'shop',
  naming: { events: 'Object Action', properties: 'snake_case' },
  events: { 'Order Completed': { description: 'A paid order', owner: 'growth', properties: { type: 'object', required: ['revenue'], properties: { revenue: { type: 'number' } } } } },
} as const;
const RANGE_ERROR = { status: 400, body: { success: false, error: 'bad_request', message: 'since: "last tuesday" is neither a span like 7d / 36h nor a date like 2026-05-01' } } as const;

export const PLAN_DOCS = {
  current: {
    summary: 'The tracking plan in force (all null without one)',
    response: z.object({ version: z.string().nullable(), name: z.string().nullable(), document: z.record(z.string(), z.unknown()).nullable() }),
    examples: [{ name: 'in force', response: { status: 200, body: { version: PLAN.version, name: PLAN.name, document: PLAN } } }],
  },
  reload: {
    summary: 'Reads the plan file again; a plan that does not load leaves the one in force',
    response: z.object({ version: z.string(), previousVersion: z.string().nullable(), events: z.number().int() }),
    examples: [
      { name: 'reloaded', response: { status: 200, body: { version: '2026.12.2', previousVersion: '2026.12.1', events: 14 } } },
      { name: 'invalid file', response: { status: 422, body: { success: false, error: 'plan_invalid', message: 'the plan in force (2026.12.1) stays: plans/shop.yaml: not a tracking plan:\n  events.Order Completed.owner: expected string' } } },
    ],
  },
  violations: {
    summary: 'What the plan flagged, grouped by event, kind and path, with example message ids',
    querystring: ScopeQuery,
    response: z.object({
      stored: z.number().int(), quarantined: z.number().int(), truncated: z.boolean(),
      groups: z.array(z.object({
        event: z.string(), kind: Kind, path: z.string(), message: z.string(), action: Action, count: z.number().int(),
        examples: z.array(z.string()), planVersions: z.array(z.string()),
      })),
    }),
    examples: [
      {
        name: 'last month',
        request: { query: { since: '30d', source: 'web' } },
        response: {
          status: 200,
          body: {
            stored: 41, quarantined: 3, truncated: false,
            groups: [{ event: 'Order Completed', kind: 'required_missing', path: 'properties.revenue', message: 'revenue is required', action: 'blocked', count: 3, examples: ['m-8f1c'], planVersions: ['2026.12.1'] }],
          },
        },
      },
      { name: 'bad range', request: { query: { since: 'last tuesday' } }, response: RANGE_ERROR },
    ],
  },
  infer: {
    summary: 'A draft plan inferred from the events of a range, as a document and as YAML',
    querystring: ScopeQuery,
    response: z.object({ document: z.record(z.string(), z.unknown()), yaml: z.string() }),
    examples: [{
      name: 'a month',
      request: { query: { since: '30d' } },
      response: { status: 200, body: { document: { version: 'draft', name: 'inferred', events: { 'Order Completed': { description: '', owner: '', properties: { type: 'object' } } } }, yaml: 'version: draft\nname: inferred\nevents:\n  Order Completed: …\n' } },
    }],
  },
  diff: {
    summary: 'What a new plan would block or flag among the stored calls of a range, against the plan in force',
    body: DiffBody,
    response: z.object({
      currentVersion: z.string().nullable(), nextVersion: z.string(), calls: z.number().int(), currentBlocked: z.number().int(), nextBlocked: z.number().int(),
      currentFlagged: z.number().int(), nextFlagged: z.number().int(), newlyBlocked: z.number().int(), newlyBlockedExamples: z.array(z.string()),
      lines: z.array(z.object({ event: z.string(), kind: Kind, path: z.string(), current: z.number().int(), next: z.number().int(), nextBlocked: z.number().int() })),
    }),
    examples: [
      {
        name: 'tighter',
        request: { body: { plan: PLAN, since: '30d' } },
        response: {
          status: 200,
          body: {
            currentVersion: '2026.11.4', nextVersion: '2026.12.1', calls: 5120, currentBlocked: 0, nextBlocked: 12, currentFlagged: 40, nextFlagged: 52,
            newlyBlocked: 12, newlyBlockedExamples: ['m-8f1c', 'm-90aa'], lines: [{ event: 'Order Completed', kind: 'required_missing', path: 'properties.revenue', current: 0, next: 12, nextBlocked: 12 }],
          },
        },
      },
    ],
  },
  replay: {
    summary: 'Ingests again the events the plan quarantined (each once), after the plan or the source changed',
    body: ReplayBody,
    response: z.object({ matched: z.number().int(), alreadyReplayed: z.number().int(), stored: z.number().int(), quarantinedAgain: z.number().int(), duplicates: z.number().int(), dryRun: z.boolean() }),
    examples: [
      {
        name: 'unplanned events',
        request: { body: { reason: 'unplanned_event', since: '30d' } },
        response: { status: 200, body: { matched: 12, alreadyReplayed: 0, stored: 11, quarantinedAgain: 1, duplicates: 0, dryRun: false } },
      },
      { name: 'bad range', request: { body: { since: 'last tuesday' } }, response: RANGE_ERROR },
    ],
  },
} satisfies Record<string, RouteDoc>;
