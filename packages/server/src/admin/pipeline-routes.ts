import type { DerivedModel } from '../identity/derived-model.js';
import { dateOf, systemClock } from '../clock/clock.js';
import type { Loader } from '../loader/loader.js';
import { z } from 'zod';
import { SOURCE_NAME, type SourceRegistry } from '../sources/sources.js';
import type { RouteDoc } from '../http/route-doc.js';
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
  /** The server's clock (uptime is measured on it). @defaultValue the system clock */
  readonly now?: () => Date;
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
    uptimeSeconds: Math.round(((deps.now?.() ?? dateOf(systemClock)).getTime() - deps.startedAt.getTime()) / 1000),
    spool: deps.spool.stats(),
    loader: deps.loader.stats(),
    derived: deps.derived.stats(),
    ...(deps.privacy ? { privacy: deps.privacy() } : {}),
    ...(deps.retention ? { retention: deps.retention() } : {}),
    sources: perSource,
    alerts: deps.alerts?.() ?? null,
  };
}

const SourceView = z.object({ id: z.string(), name: z.string(), writeKey: z.string(), createdAt: z.string(), revokedAt: z.string().nullable() });
const WEB = { id: 'src_4f9a1c2b7d3e', name: 'web', writeKey: 'wk_3Jc9sQ2mVx81LrTz0aHq', createdAt: '2026-11-02T09:14:05.112Z', revokedAt: null };

const SQL_DOC: RouteDoc = {
  summary: 'A read-only SQL query on the warehouse (the CLI\'s `touchline sql`)',
  body: z.looseObject({ sql: z.string(), maxRows: z.number().int().positive().optional() }),
  response: z.object({ columns: z.array(z.string()), rows: z.array(z.array(z.unknown())) }),
  examples: [
    {
      name: 'events by type',
      request: { body: { sql: 'SELECT type, count(*) AS n FROM events GROUP BY type ORDER BY n DESC', maxRows: 100 } },
      response: { status: 200, body: { columns: ['type', 'n'], rows: [['page', 4210], ['track', 1893]] } },
    },
  ],
};
const SOURCES_DOC: RouteDoc = {
  summary: 'Every source, revoked ones too, with its write key',
  response: z.object({ sources: z.array(SourceView) }),
  examples: [{ name: 'one source', response: { status: 200, body: { sources: [WEB] } } }],
};
const CREATE_SOURCE_DOC: RouteDoc = {
  summary: 'A new source; its write key generated unless one is given',
  body: z.looseObject({ name: z.string().regex(SOURCE_NAME, 'must be 1-64 letters, digits, \'_\', \'.\' or \'-\''), writeKey: z.string().optional() }),
  response: SourceView,
  examples: [{ name: 'web', request: { body: { name: 'web' } }, response: { status: 200, body: WEB } }],
};
const REVOKE_SOURCE_DOC: RouteDoc = {
  summary: 'Revokes a source by id or name: its write key is refused from then on',
  params: z.object({ id: z.string().regex(SOURCE_NAME, 'a source id or name') }),
  response: SourceView,
  examples: [
    { name: 'revoked', request: { params: { id: 'web' } }, response: { status: 200, body: { ...WEB, revokedAt: '2026-12-01T16:40:00.000Z' } } },
    { name: 'unknown', request: { params: { id: 'mobile' } }, response: { status: 404, body: { success: false, error: 'not_found', message: 'no source "mobile"' } } },
  ],
};
const FLUSH_DOC: RouteDoc = {
  summary: 'Loads what the spool holds into the warehouse now',
  response: z.object({
    success: z.literal(true),
    loader: z.object({
      loadedEvents: z.number(), loadedFailed: z.number(), duplicates: z.number(), unloadable: z.number(), batches: z.number(),
      lastLoadAt: z.string().nullable(), lastError: z.string().nullable(), lagMs: z.number(),
    }),
  }),
  examples: [
    {
      name: 'flushed',
      response: {
        status: 200,
        body: { success: true, loader: { loadedEvents: 1204, loadedFailed: 3, duplicates: 2, unloadable: 0, batches: 12, lastLoadAt: '2026-12-07T20:31:02.004Z', lastError: null, lagMs: 0 } },
      },
    },
  ],
};

const Counts = z.record(z.string(), z.unknown());
const STATUS_DOC: RouteDoc = {
  summary: 'The pipeline at a glance: spool depth, loader lag, derived model, privacy and retention, alerts, and events per source',
  response: z.object({
    engine: z.enum(['duckdb', 'clickhouse']), uptimeSeconds: z.number().int(),
    spool: Counts.describe('sealed segments, bytes and limit, rows appended, commits, damaged records'),
    loader: Counts.describe('events loaded, failed, duplicates, batches, last load and error, lag'),
    derived: z.object({ refreshFailures: z.number().int(), lastRefreshError: z.string().nullable(), sessionsStale: z.boolean() }),
    privacy: z.object({ suppressedRequests: z.number().int(), droppedAtIngest: z.number().int(), skippedBySyncs: z.number().int() }).optional(),
    retention: Counts.nullable().optional().describe('the retention job\'s last run; null before the first'),
    sources: z.array(z.object({ sourceId: z.string(), events: z.number(), failedEvents: z.number(), lastReceivedAt: z.string().nullable(), name: z.string().nullable(), revoked: z.boolean() })),
    alerts: Counts.nullable(),
  }),
  examples: [
    {
      name: 'running',
      response: {
        status: 200,
        body: {
          engine: 'duckdb', uptimeSeconds: 86_400,
          spool: { sealedSegments: 0, bytes: 4096, maxBytes: 1_073_741_824, rowsAppended: 5120, commits: 611, damagedRecords: 0, damagedBytes: 0 },
          loader: { loadedEvents: 5117, loadedFailed: 3, duplicates: 2, unloadable: 0, batches: 96, lastLoadAt: '2026-12-07T20:31:02.004Z', lastError: null, lagMs: 180 },
          derived: { refreshFailures: 0, lastRefreshError: null, sessionsStale: false },
          privacy: { suppressedRequests: 1, droppedAtIngest: 0, skippedBySyncs: 0 },
          retention: null,
          sources: [{ sourceId: WEB.id, events: 5117, failedEvents: 3, lastReceivedAt: '2026-12-07T20:31:01.870Z', name: 'web', revoked: false }],
          alerts: { sent: 0, held: 0, last: null, failures: [] },
        },
      },
    },
  ],
};

/** The pipeline's admin routes: read-only SQL, status, sources, flush. The CLI talks to them. */
export function pipelineRoutes(deps: PipelineDeps): AdminRoute[] {
  return [
    {
      method: 'POST',
      url: '/admin/sql',
      action: 'sql.query',
      doc: SQL_DOC,
      handler: async (request) => {
        const body = request.body as { sql?: unknown; maxRows?: unknown } | undefined;
        if (typeof body?.sql !== 'string') throw new ClientError(400, 'bad_request', 'send {"sql": "<query>"}');
        const maxRows = typeof body.maxRows === 'number' ? body.maxRows : undefined;
        return deps.warehouse.query(body.sql, maxRows === undefined ? {} : { maxRows });
      },
    },
    { method: 'GET', url: '/admin/status', action: 'status.read', doc: STATUS_DOC, handler: async () => pipelineStatus(deps) },
    { method: 'GET', url: '/admin/sources', action: 'sources.list', doc: SOURCES_DOC, handler: async () => ({ sources: deps.sources.list() }) },
    {
      method: 'POST',
      url: '/admin/sources',
      action: 'sources.create',
      doc: CREATE_SOURCE_DOC,
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
      doc: REVOKE_SOURCE_DOC,
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
      doc: FLUSH_DOC,
      handler: async () => {
        await deps.loader.flush();
        return { success: true, loader: deps.loader.stats() };
      },
    },
  ];
}
