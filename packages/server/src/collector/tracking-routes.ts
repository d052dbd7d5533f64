import { EVENT_TYPES, parseIsoTime, type EventType } from '@touchline/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SourceRegistry } from '../sources/sources.js';
import type { Source } from '../warehouse/warehouse.js';
import type { RequestFacts } from './event-row.js';
import { ClientError } from '../http/client-error.js';
import type { Ingest } from './ingest.js';
import type { Quarantine } from './public-routes.js';
import { BATCH_DOC, EVENT_DOCS } from './segment-route-docs.js';

export interface TrackingDeps {
  readonly ingest: Ingest;
  readonly sources: SourceRegistry;
  readonly now: () => Date;
  readonly maxEventBytes: number;
  readonly maxBatchBytes: number;
  /**
   * Stores a request that could not be read as events (e.g. `batch` is not an array); `raw`
   * is stored as it is when `rawIsText` (a body that is not JSON), else as JSON.
   */
  readonly quarantine: Quarantine;
}

type Body = Record<string, unknown>;
const isObject = (v: unknown): v is Body => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Where a route reads the write key from (the beacon path adds its query string). */
export type WriteKeyReader = (request: FastifyRequest, body: unknown) => string | undefined;

/** The write key, as Segment takes it: HTTP Basic user name, or `writeKey` in the body. */
export function writeKeyOf(request: FastifyRequest, body: unknown): string | undefined {
  const h = request.headers.authorization;
  if (h && /^basic /i.test(h)) {
    const decoded = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    const key = i < 0 ? decoded : decoded.slice(0, i);
    if (key) return key;
  }
  if (isObject(body) && typeof body['writeKey'] === 'string' && body['writeKey']) return body['writeKey'];
  return undefined;
}

export function authenticate(sources: SourceRegistry, request: FastifyRequest, body: unknown, keyOf: WriteKeyReader = writeKeyOf): Source {
  if (body === undefined) throw new ClientError(400, 'empty_body', 'the request body is empty');
  const key = keyOf(request, body);
  if (!key) {
    throw new ClientError(401, 'unauthorized', 'no write key: send it as the HTTP Basic user name or as `writeKey` in the body');
  }
  const source = sources.byWriteKey(key);
  if (source) return source;
  if (sources.isRevoked(key)) throw new ClientError(401, 'unauthorized', 'this write key was revoked');
  throw new ClientError(401, 'unauthorized', 'unknown write key');
}

export function requestFacts(request: FastifyRequest, source: Source, now: Date, sentAt?: string): RequestFacts {
  const ua = request.headers['user-agent'];
  return {
    sourceId: source.id,
    endpoint: request.routeOptions.url ?? request.url,
    requestId: String(request.id),
    receivedAt: now.toISOString(),
    ip: request.ip,
    userAgent: typeof ua === 'string' ? ua : undefined,
    gpc: request.headers['sec-gpc'] === '1',
    sentAt,
  };
}

/** Segment's batch-level `context` applies to each event; an event's own keys win. */
function withBatchContext(events: unknown[], context: unknown): unknown[] {
  if (!isObject(context)) return events;
  return events.map((e) => (isObject(e) ? { ...e, context: { ...context, ...(isObject(e['context']) ? e['context'] : {}) } } : e));
}

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** One event of the endpoint's type (`/v1/track`, and the short `/v1/t` analytics.js posts to). */
export function eventHandler(deps: TrackingDeps, type: EventType): Handler {
  return async (request, reply) => {
    const source = authenticate(deps.sources, request, request.body);
    const facts = requestFacts(request, source, deps.now());
    const r = await deps.ingest([request.body], facts, type);
    const bad = r.rejected[0];
    if (bad) {
      reply.code(400);
      return { success: false, error: 'invalid_event', message: bad.reason, field: bad.field, quarantined: true };
    }
    return { success: true };
  };
}

/** A Segment batch (`/v1/batch`, and the SDK paths `/v1/b` and RudderStack's beacon path). */
export function batchHandler(deps: TrackingDeps, keyOf: WriteKeyReader = writeKeyOf): Handler {
  return async (request, reply) => {
    const body = request.body;
    const source = authenticate(deps.sources, request, body, keyOf);
    const sentAt = isObject(body) ? parseIsoTime(body['sentAt']) ?? undefined : undefined;
    const facts = requestFacts(request, source, deps.now(), sentAt);
    const batch = isObject(body) ? body['batch'] : undefined;
    if (!Array.isArray(batch)) {
      const reason = isObject(body) ? '`batch` must be an array of events' : 'the body must be a JSON object with a `batch` array';
      await deps.quarantine(facts, body, reason);
      throw new ClientError(400, 'invalid_batch', reason, { field: 'batch', quarantined: true });
    }
    const r = await deps.ingest(withBatchContext(batch, (body as Body)['context']), facts);
    const kept = r.accepted + r.duplicates;
    if (batch.length > 0 && kept === 0) reply.code(400);
    return {
      success: batch.length === 0 || kept > 0,
      accepted: r.accepted,
      duplicates: r.duplicates,
      rejected: r.rejected,
    };
  };
}

/** The Segment Tracking API: `/v1/{track,page,screen,identify,group,alias}` and `/v1/batch`. */
export function registerTrackingRoutes(app: FastifyInstance, deps: TrackingDeps): void {
  for (const type of EVENT_TYPES) app.post(`/v1/${type}`, { bodyLimit: deps.maxEventBytes, config: { doc: EVENT_DOCS[type] } }, eventHandler(deps, type));
  app.post('/v1/batch', { bodyLimit: deps.maxBatchBytes, config: { doc: BATCH_DOC } }, batchHandler(deps));
}
