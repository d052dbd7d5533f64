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
import { replayQuarantined, type ReplayIngest } from '../plans/replay.js';
import { DiffBody, PLAN_DOCS, ReplayBody, ScopeQuery } from './plan-route-docs.js';

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

/** Reading: the plan in force, what it flagged, and a draft inferred from the events. */
function planReadRoutes(deps: PlanRouteDeps): AdminRoute[] {
  return [
    {
      method: 'GET', url: '/admin/plans', action: 'plans.read', doc: PLAN_DOCS.current,
      handler: async () => {
        const p = deps.plans.current();
        return p ? { version: p.version, name: p.name, document: p.document } : { version: null, name: null, document: null };
      },
    },
    {
      method: 'GET', url: '/admin/plans/violations', action: 'plans.read', doc: PLAN_DOCS.violations,
      handler: async (request) => {
        const { range, sourceId } = scope(deps, ScopeQuery.parse(request.query));
        return readViolations(deps.warehouse, range, sourceId);
      },
    },
    {
      method: 'GET', url: '/admin/plans/infer', action: 'plans.read', doc: PLAN_DOCS.infer,
      handler: async (request) => {
        const doc = await inferPlan(deps.warehouse, scope(deps, ScopeQuery.parse(request.query)).range);
        return { document: doc, yaml: planYaml(doc) };
      },
    },
    {
      method: 'POST', url: '/admin/plans/diff', action: 'plans.read', doc: PLAN_DOCS.diff,
      handler: async (request) => {
        const b = DiffBody.parse(request.body);
        let next;
        try {
          next = compilePlan(b.plan);
        } catch (err) {
          // The document has the plan's shape; its property schemas are compiled here.
          if (err instanceof PlanError) throw new ClientError(400, 'plan_invalid', err.message);
          throw err;
        }
        return diffPlans(deps.warehouse, scope(deps, b).range, deps.plans.current(), next, deps.modesOf);
      },
    },
  ];
}

/** Changing what is stored: reloading the plan file, replaying what it quarantined (audited before and after). */
function planChangeRoutes(deps: PlanRouteDeps): AdminRoute[] {
  return [
    {
      method: 'POST', url: '/admin/plans/reload', action: 'plans.reload', doc: PLAN_DOCS.reload,
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
      method: 'POST', url: '/admin/plans/replay', action: 'plans.replay', doc: PLAN_DOCS.replay,
      handler: async (request) => {
        const b = ReplayBody.parse(request.body) ?? {};
        const { range, sourceId } = scope(deps, b);
        const reason = str(b.reason);
        const r = await replayQuarantined(
          { warehouse: deps.warehouse, ingest: deps.ingest, now: deps.now, newRequestId: deps.newRequestId },
          { ...range, ...(reason === undefined ? {} : { reason }), ...(sourceId === undefined ? {} : { sourceId }), dryRun: b.dryRun === true },
        );
        Object.assign(requestState(request).note, { target: 'failed_events', after: r });
        return r;
      },
    },
  ];
}

/**
 * The tracking plan's admin routes: what the CLI's `plan` commands and the dashboard's data-quality
 * page call. Reading is `plans.read`; reloading the file and replaying quarantined events change
 * what is stored, each under its own action (and audited by the guard, before and after).
 */
export function planRoutes(deps: PlanRouteDeps): AdminRoute[] {
  return [...planReadRoutes(deps), ...planChangeRoutes(deps)];
}
