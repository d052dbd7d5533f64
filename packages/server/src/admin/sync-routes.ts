import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClientError } from '../http/client-error.js';
import { SyncError } from '../activation/engine/resolve-sync.js';
import type { RunProgress } from '../activation/engine/run-delivery.js';
import type { SyncEngine } from '../activation/engine/sync-engine.js';
import type { RunGate } from '../activation/engine/run-gate.js';
import type { Asked } from '../approvals/triggers.js';
import { decisionOf, type AdminRoute, type RequestFacts } from './admin-route.js';
import { DryRunBody, RunBody, RunsQuery, SYNC_DOCS } from './sync-route-docs.js';

export interface SyncRouteDeps {
  readonly syncs: SyncEngine;
  /** Forwarding rules and their outbox depth. */
  forwardingStatus(): unknown;
  /** The approvals' gate for the real run this request asks for (src/approvals/): it may stop the run awaiting approval. */
  gateFor(request: FastifyRequest, asked: Asked): RunGate;
}

const flag = (v: unknown) => v === true || v === 'true';
const params = (r: FastifyRequest) => r.params as { name: string; runId?: string };
const bodyOf = (r: FastifyRequest) => (r.body && typeof r.body === 'object' ? (r.body as Record<string, unknown>) : {});

/** What the policy decides a run on: a test-mode send, or a real one (a baseline changes the sync's state: real). */
const runFacts = (r: FastifyRequest): RequestFacts => {
  const b = bodyOf(r);
  return { send: !flag(b['baseline']) && (flag(b['test']) || (typeof b['test'] === 'string' && b['test'] !== '')) ? 'test' : 'real' };
};

async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof SyncError) throw new ClientError(400, 'sync_error', err.message);
    throw err;
  }
}

type Progress = Map<string, RunProgress>;

/** Starts a run and answers its id as soon as the engine has one (the run goes on in the server). */
function startRun(deps: SyncRouteDeps, progress: Progress, name: string, body: Record<string, unknown>, gate: RunGate): Promise<string> {
  return guarded(
    () =>
      new Promise<string>((resolve, reject) => {
        deps.syncs
          .run(name, {
            trigger: 'api',
            gate,
            full: flag(body['full']),
            baseline: flag(body['baseline']),
            test: typeof body['test'] === 'string' ? body['test'] : flag(body['test']),
            onStart: (run) => resolve(run.runId),
            onProgress: (p) => progress.set(p.runId, p),
          })
          .then((run) => resolve(run.runId), reject);
      }),
  );
}

/** The policy's row cap on this send (a member's first days), checked on the dry run's diff. */
async function checkRowCap(deps: SyncRouteDeps, request: FastifyRequest, full: boolean): Promise<void> {
  const { obligations, rule } = decisionOf(request);
  if (obligations.maxRows === undefined) return;
  const { counts } = await guarded(() => deps.syncs.dryRun(params(request).name, { limit: 0, full }));
  const rows = counts.add + counts.change + counts.remove;
  if (rows > obligations.maxRows) {
    throw new ClientError(403, 'forbidden', `not allowed to "syncs.run" (rule ${rule}): this send has ${rows} rows, more than the ${obligations.maxRows} allowed; ask an owner for a grant (touchline members grant)`, { action: 'syncs.run', rule });
  }
}

/** `POST /admin/syncs/:name/runs`: the policy's conditions applied, then the approvals' gate, then the run. */
function runHandler(deps: SyncRouteDeps, progress: Progress) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const body: Record<string, unknown> = { ...RunBody.parse(request.body) };
    const { obligations } = decisionOf(request);
    // A member's first days: test mode unless the request names one itself.
    if (obligations.testOnly && body['test'] === undefined) body['test'] = true;
    await checkRowCap(deps, request, flag(body['full']));
    // `--force` overrides nothing any more: like a crossed guard, it asks a second member to approve.
    const gate = deps.gateFor(request, { approvalRule: obligations.approval, forced: flag(body['force']), full: flag(body['full']) });
    const runId = await startRun(deps, progress, params(request).name, body, gate);
    reply.code(202);
    return { runId };
  };
}

/** Reading runs: one run with its progress, and a sync's history. */
function runReadRoutes(deps: SyncRouteDeps, progress: Progress): AdminRoute[] {
  return [
    {
      method: 'GET', url: '/admin/syncs/:name/runs/:runId', action: 'syncs.read', doc: SYNC_DOCS.read,
      handler: async (request) => {
        const { name, runId = '' } = params(request);
        const run = await deps.syncs.store.getRun(runId);
        if (!run || run.syncName !== name) throw new ClientError(404, 'not_found', `no run ${runId} of sync ${name}`);
        return { run, progress: progress.get(run.runId) ?? null };
      },
    },
    {
      method: 'GET', url: '/admin/syncs/:name/runs', action: 'syncs.read', doc: SYNC_DOCS.history,
      handler: async (request) => {
        const limit = Number(RunsQuery.parse(request.query).limit ?? 20);
        return guarded(async () => ({ runs: await deps.syncs.history(params(request).name, limit) }));
      },
    },
  ];
}

/**
 * The activation admin routes: the CLI talks to them when a server holds the warehouse. A run
 * started here goes on in the server; its progress is the run record, polled.
 */
export function syncRoutes(deps: SyncRouteDeps): AdminRoute[] {
  const progress: Progress = new Map();
  return [
    {
      method: 'GET', url: '/admin/syncs', action: 'syncs.list', doc: SYNC_DOCS.list,
      handler: async () => ({ syncs: await deps.syncs.list(), forwarding: deps.forwardingStatus() }),
    },
    { method: 'POST', url: '/admin/syncs/:name/runs', action: 'syncs.run', facts: runFacts, doc: SYNC_DOCS.run, handler: runHandler(deps, progress) },
    ...runReadRoutes(deps, progress),
    {
      method: 'POST', url: '/admin/syncs/:name/dry-run', action: 'syncs.dry-run', doc: SYNC_DOCS.dryRun,
      handler: async (request) => {
        const body = DryRunBody.parse(request.body);
        return guarded(() => deps.syncs.dryRun(params(request).name, { limit: body?.limit ?? 20, full: body?.full === true }));
      },
    },
    {
      method: 'POST', url: '/admin/syncs/:name/cancel', action: 'syncs.cancel', doc: SYNC_DOCS.cancel,
      handler: async (request) => guarded(async () => ({ cancelled: await deps.syncs.cancel(params(request).name) })),
    },
  ];
}
