import type { FastifyInstance } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { ClientError } from '../collector/http-errors.js';
import { SyncError } from './engine/resolve-sync.js';
import type { RunProgress } from './engine/run-delivery.js';
import type { SyncEngine } from './engine/sync-engine.js';

export interface ActivationAdminDeps {
  readonly adminToken: string;
  readonly syncs: SyncEngine;
  /** Forwarding rules and their outbox depth. */
  forwardingStatus(): unknown;
}

function authorised(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/i.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1]!.trim());
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

const flag = (v: unknown) => v === true || v === 'true';

/**
 * The activation admin API (same Bearer admin token as `/admin/*`): the CLI talks to it when a
 * server holds the warehouse. A run started here goes on in the server; its progress is the
 * run record, polled.
 */
export function registerActivationRoutes(app: FastifyInstance, deps: ActivationAdminDeps): void {
  const progress = new Map<string, RunProgress>();
  app.register(async (admin) => {
    admin.addHook('onRequest', async (request) => {
      if (!authorised(request.headers.authorization, deps.adminToken)) {
        throw new ClientError(401, 'unauthorized', 'send the admin token as `Authorization: Bearer <token>`');
      }
    });
    const guarded = async <T>(fn: () => Promise<T>): Promise<T> => {
      try {
        return await fn();
      } catch (err) {
        if (err instanceof SyncError) throw new ClientError(400, 'sync_error', err.message);
        throw err;
      }
    };
    admin.get('/admin/syncs', async () => ({ syncs: await deps.syncs.list(), forwarding: deps.forwardingStatus() }));
    admin.post<{ Params: { name: string }; Body: Record<string, unknown> | undefined }>('/admin/syncs/:name/runs', async (request, reply) => {
      const body = request.body ?? {};
      const name = request.params.name;
      const started = await guarded(
        () =>
          new Promise<string>((resolve, reject) => {
            deps.syncs
              .run(name, {
                trigger: 'api',
                force: flag(body['force']),
                full: flag(body['full']),
                baseline: flag(body['baseline']),
                test: typeof body['test'] === 'string' ? body['test'] : flag(body['test']),
                onStart: (run) => resolve(run.runId),
                onProgress: (p) => progress.set(p.runId, p),
              })
              .then((run) => resolve(run.runId), reject);
          }),
      );
      reply.code(202);
      return { runId: started };
    });
    admin.get<{ Params: { name: string; runId: string } }>('/admin/syncs/:name/runs/:runId', async (request) => {
      const run = await deps.syncs.store.getRun(request.params.runId);
      if (!run || run.syncName !== request.params.name) throw new ClientError(404, 'not_found', `no run ${request.params.runId} of sync ${request.params.name}`);
      return { run, progress: progress.get(run.runId) ?? null };
    });
    admin.get<{ Params: { name: string }; Querystring: { limit?: string } }>('/admin/syncs/:name/runs', async (request) =>
      guarded(async () => ({ runs: await deps.syncs.history(request.params.name, Number(request.query.limit ?? 20)) })),
    );
    admin.post<{ Params: { name: string }; Body: { limit?: number; full?: boolean } | undefined }>('/admin/syncs/:name/dry-run', async (request) =>
      guarded(() => deps.syncs.dryRun(request.params.name, { limit: request.body?.limit ?? 20, full: request.body?.full === true })),
    );
    admin.post<{ Params: { name: string } }>('/admin/syncs/:name/cancel', async (request) =>
      guarded(async () => ({ cancelled: await deps.syncs.cancel(request.params.name) })),
    );
  });
}
