import type { FastifyRequest } from 'fastify';
import type { AdminRoute } from './admin-route.js';
import { requestState } from './admin-route.js';
import { ClientError } from '../http/client-error.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { compilePlan, PlanError, type PlanModes } from '../plans/compile-plan.js';
import { readViolations } from '../plans/plan-check.js';
import { diffPlans } from '../plans/plan-diff.js';
import type { PlanHolder } from '../plans/plan-holder.js';
import { inferPlan, planYaml } from '../plans/plan-infer.js';
import { receivedRange } from '../plans/plan-range.js';
import { planFromData } from '../plans/load-plan.js';
import { replayQuarantined, type ReplayIngest } from '../plans/replay.js';

export interface PlanRouteDeps {
  readonly warehouse: Warehouse;
  readonly plans: PlanHolder;
  readonly modesOf: (sourceId: string) => PlanModes;
  /** A source's id from its name or id (`--source web`); undefined when there is none. */
  readonly sourceId: (nameOrId: string) => string | undefined;
  readonly ingest: ReplayIngest;
  readonly now: () => Date;
  readonly newRequestId: () => string;
}

type Params = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The range and source of a request (query or body); a bad one is the client's to fix. */
function scope(deps: PlanRouteDeps, p: Params) {
  let range;
  try {
    range = receivedRange(str(p['since']), str(p['until']), deps.now().getTime(), Number(p['days'] ?? 7) || 7);
  } catch (err) {
    throw new ClientError(400, 'bad_request', (err as Error).message);
  }
  const source = str(p['source']);
  const sourceId = source === undefined ? undefined : deps.sourceId(source);
  if (source !== undefined && sourceId === undefined) throw new ClientError(400, 'bad_request', `source: no source is named "${source.slice(0, 64)}"`);
  return { range, sourceId };
}

const query = (r: FastifyRequest) => (r.query ?? {}) as Params;
const body = (r: FastifyRequest) => (typeof r.body === 'object' && r.body !== null ? (r.body as Params) : {});

/**
 * The tracking plan's admin routes: what the CLI's `plan` commands and the dashboard's data-quality
 * page call. Reading is `plans.read`; reloading the file and replaying quarantined events change
 * what is stored, each under its own action (and audited by the guard, before and after).
 */
export function planRoutes(deps: PlanRouteDeps): AdminRoute[] {
  return [
    {
      method: 'GET',
      url: '/admin/plans',
      action: 'plans.read',
      handler: async () => {
        const p = deps.plans.current();
        return p ? { version: p.version, name: p.name, document: p.document } : { version: null, name: null, document: null };
      },
    },
    {
      method: 'POST',
      url: '/admin/plans/reload',
      action: 'plans.reload',
      handler: async (request) => {
        const before = deps.plans.current()?.version ?? null;
        try {
          const r = await deps.plans.reload();
          Object.assign(requestState(request).note, { target: 'tracking plan', before: { version: before }, after: { version: r.version } });
          return r;
        } catch (err) {
          throw new ClientError(422, 'plan_invalid', `the plan in force (${before ?? 'none'}) stays: ${(err as Error).message}`);
        }
      },
    },
    {
      method: 'GET',
      url: '/admin/plans/violations',
      action: 'plans.read',
      handler: async (request) => {
        const { range, sourceId } = scope(deps, query(request));
        return readViolations(deps.warehouse, range, sourceId);
      },
    },
    {
      method: 'GET',
      url: '/admin/plans/infer',
      action: 'plans.read',
      handler: async (request) => {
        const doc = await inferPlan(deps.warehouse, scope(deps, query(request)).range);
        return { document: doc, yaml: planYaml(doc) };
      },
    },
    {
      method: 'POST',
      url: '/admin/plans/diff',
      action: 'plans.read',
      handler: async (request) => {
        const b = body(request);
        let next;
        try {
          next = compilePlan(planFromData(b['plan'], 'plan'));
        } catch (err) {
          if (err instanceof PlanError) throw new ClientError(400, 'plan_invalid', err.message);
          throw err;
        }
        return diffPlans(deps.warehouse, scope(deps, b).range, deps.plans.current(), next, deps.modesOf);
      },
    },
    {
      method: 'POST',
      url: '/admin/plans/replay',
      action: 'plans.replay',
      handler: async (request) => {
        const b = body(request);
        const { range, sourceId } = scope(deps, b);
        const reason = str(b['reason']);
        const r = await replayQuarantined(
          { warehouse: deps.warehouse, ingest: deps.ingest, now: deps.now, newRequestId: deps.newRequestId },
          { ...range, ...(reason === undefined ? {} : { reason }), ...(sourceId === undefined ? {} : { sourceId }), dryRun: b['dryRun'] === true },
        );
        Object.assign(requestState(request).note, { target: 'failed_events', after: r });
        return r;
      },
    },
  ];
}
