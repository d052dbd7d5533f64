import type { DerivedModel } from '../identity/derived-model.js';
import type { Loader } from '../loader/loader.js';
import type { SourceRegistry } from '../sources/sources.js';
import type { Spool } from '../spool/spool.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { ClientError } from '../http/client-error.js';
import type { RetentionRun } from '../privacy/retention.js';
import type { AdminRoute } from './admin-route.js';
import type { AlertStatus } from '../alerts/alerter.js';

export interface PipelineDeps {
  readonly warehouse: Warehouse;
  readonly sources: SourceRegistry;
  readonly spool: Spool;
  readonly loader: Loader;
  /** The derived model's refreshes after each load (their failures show here). */
  readonly derived: Pick<DerivedModel, 'stats'>;
  readonly startedAt: Date;
  /** The suppression list's counts (src/privacy/): requests suppressed, what it kept out since start. */
  readonly privacy?: () => { readonly suppressedRequests: number; readonly droppedAtIngest: number; readonly skippedBySyncs: number };
  /** The retention job's last run (src/privacy/retention.ts), null before the first. */
  readonly retention?: () => RetentionRun | null;
  /** Alerts sent, held back and not delivered (the sync alerts). */
  readonly alerts?: () => AlertStatus;
}

/** A snapshot of the pipeline: spool depth, loader lag, and events/failures per source. */
export async function pipelineStatus(deps: PipelineDeps) {
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
    derived: deps.derived.stats(),
    ...(deps.privacy ? { privacy: deps.privacy() } : {}),
    ...(deps.retention ? { retention: deps.retention() } : {}),
    sources: perSource,
    alerts: deps.alerts?.() ?? null,
  };
}

/** The pipeline's admin routes: read-only SQL, status, sources, flush. The CLI talks to them. */
export function pipelineRoutes(deps: PipelineDeps): AdminRoute[] {
  return [
    {
      method: 'POST',
      url: '/admin/sql',
      action: 'sql.query',
      handler: async (request) => {
        const body = request.body as { sql?: unknown; maxRows?: unknown } | undefined;
        if (typeof body?.sql !== 'string') throw new ClientError(400, 'bad_request', 'send {"sql": "<query>"}');
        const maxRows = typeof body.maxRows === 'number' ? body.maxRows : undefined;
        return deps.warehouse.query(body.sql, maxRows === undefined ? {} : { maxRows });
      },
    },
    { method: 'GET', url: '/admin/status', action: 'status.read', handler: async () => pipelineStatus(deps) },
    { method: 'GET', url: '/admin/sources', action: 'sources.list', handler: async () => ({ sources: deps.sources.list() }) },
    {
      method: 'POST',
      url: '/admin/sources',
      action: 'sources.create',
      handler: async (request) => {
        const body = request.body as { name?: unknown; writeKey?: unknown } | undefined;
        if (typeof body?.name !== 'string') throw new ClientError(400, 'bad_request', 'send {"name": "<source name>"}');
        try {
          return await deps.sources.create(body.name, typeof body.writeKey === 'string' ? body.writeKey : undefined);
        } catch (err) {
          throw new ClientError(400, 'bad_request', (err as Error).message);
        }
      },
    },
    {
      method: 'DELETE',
      url: '/admin/sources/:id',
      action: 'sources.revoke',
      handler: async (request) => {
        const { id } = request.params as { id: string };
        const s = await deps.sources.revoke(id);
        if (!s) throw new ClientError(404, 'not_found', `no source "${id}"`);
        return s;
      },
    },
    {
      method: 'POST',
      url: '/admin/flush',
      action: 'loader.flush',
      handler: async () => {
        await deps.loader.flush();
        return { success: true, loader: deps.loader.stats() };
      },
    },
  ];
}
