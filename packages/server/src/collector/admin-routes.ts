import type { FastifyInstance } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import type { Loader } from '../loader/loader.js';
import type { SourceRegistry } from '../sources/sources.js';
import type { Spool } from '../spool/spool.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { ClientError } from './http-errors.js';

export interface AdminDeps {
  readonly adminToken: string;
  readonly warehouse: Warehouse;
  readonly sources: SourceRegistry;
  readonly spool: Spool;
  readonly loader: Loader;
  readonly startedAt: Date;
  /** `POST /admin/attribute`: runs attribution over the warehouse (the body is checked by the callee). */
  readonly attribute?: (body: unknown) => Promise<unknown>;
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/i.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1]!.trim());
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A snapshot of the pipeline: spool depth, loader lag, and events/failures per source. */
export async function pipelineStatus(deps: Omit<AdminDeps, 'adminToken'>) {
  const names = new Map(deps.sources.list().map((s) => [s.id, s]));
  const perSource = (await deps.warehouse.sourceStats()).map((s) => ({
    ...s,
    name: names.get(s.sourceId)?.name ?? null,
    revoked: Boolean(names.get(s.sourceId)?.revokedAt),
  }));
  return {
    engine: deps.warehouse.engine,
    uptimeSeconds: Math.round((Date.now() - deps.startedAt.getTime()) / 1000),
    spool: deps.spool.stats(),
    loader: deps.loader.stats(),
    sources: perSource,
  };
}

/** The admin API (Bearer admin token): read-only SQL, status, sources. The CLI talks to it. */
export function registerAdminRoutes(app: FastifyInstance, deps: AdminDeps): void {
  app.register(async (admin) => {
    admin.addHook('onRequest', async (request) => {
      if (!tokenMatches(request.headers.authorization, deps.adminToken)) {
        throw new ClientError(401, 'unauthorized', 'send the admin token as `Authorization: Bearer <token>`');
      }
    });
    admin.post('/admin/sql', async (request) => {
      const body = request.body as { sql?: unknown; maxRows?: unknown } | undefined;
      if (typeof body?.sql !== 'string') throw new ClientError(400, 'bad_request', 'send {"sql": "<query>"}');
      const maxRows = typeof body.maxRows === 'number' ? body.maxRows : undefined;
      return deps.warehouse.query(body.sql, maxRows === undefined ? {} : { maxRows });
    });
    admin.get('/admin/status', async () => pipelineStatus(deps));
    admin.get('/admin/sources', async () => ({ sources: deps.sources.list() }));
    admin.post('/admin/sources', async (request) => {
      const body = request.body as { name?: unknown; writeKey?: unknown } | undefined;
      if (typeof body?.name !== 'string') throw new ClientError(400, 'bad_request', 'send {"name": "<source name>"}');
      try {
        return await deps.sources.create(body.name, typeof body.writeKey === 'string' ? body.writeKey : undefined);
      } catch (err) {
        throw new ClientError(400, 'bad_request', (err as Error).message);
      }
    });
    admin.delete<{ Params: { id: string } }>('/admin/sources/:id', async (request) => {
      const s = await deps.sources.revoke(request.params.id);
      if (!s) throw new ClientError(404, 'not_found', `no source "${request.params.id}"`);
      return s;
    });
    admin.post('/admin/attribute', async (request) => {
      if (!deps.attribute) throw new ClientError(404, 'not_found', 'attribution is not available on this server');
      return deps.attribute(request.body);
    });
    admin.post('/admin/flush', async () => {
      await deps.loader.flush();
      return { success: true, loader: deps.loader.stats() };
    });
  });
}
