import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ClientError } from '../../../http/client-error.js';
import { requestFacts } from '../../tracking-routes.js';
import { isObj, objOf } from '../json-values.js';
import { fieldNames, refuse, toIngest } from '../mapped-batch.js';
import type { ProtocolDeps } from '../protocol-deps.js';
import { protocolErrorHandler } from '../protocol-errors.js';
import { bodyBytes, gunzipBounded, isGzip, parseJsonText } from '../raw-bodies.js';
import { keyProblem, lookUpKey } from '../source-key.js';
import { SNOWPLOW_PIXEL_DOC, SNOWPLOW_TP2_DOC } from './snowplow-route-docs.js';
import { mapSnowplowEvent, SNOWPLOW_FIELDS } from './snowplow-event.js';

const TP2 = '/com.snowplowanalytics.snowplow/tp2';
const toFieldName = fieldNames(SNOWPLOW_FIELDS);
/** The transparent 1×1 GIF Snowplow's pixel endpoint answers with. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/**
 * A Snowplow tracker sends no key. The source is named in the collector path
 * (`/snowplow/<writeKey>/…`), or else by the events' app id (`aid`) — then every event of the
 * request must carry the same one. Neither: 401, which the tracker does not retry.
 */
function sourceOf(deps: ProtocolDeps, request: FastifyRequest, events: readonly unknown[]) {
  const inPath = (request.params as { key?: string }).key;
  const aid = objOf(events[0])?.['aid'];
  const key = lookUpKey(deps.sources, inPath ?? aid);
  if (!key.ok) throw new ClientError(401, 'unauthorized', keyProblem(key.why, 'the collector path (`/snowplow/<writeKey>`) or as the app id (`appId` in newTracker, `aid`)'));
  return { source: key.source, byAid: inPath === undefined };
}

async function ingestSnowplow(deps: ProtocolDeps, request: FastifyRequest, reply: FastifyReply, events: readonly unknown[]): Promise<boolean> {
  const { source, byAid } = sourceOf(deps, request, events);
  const facts = requestFacts(request, source, deps.now());
  const key = source.writeKey;
  const mapped = events.map((e) => (byAid && objOf(e)?.['aid'] !== key ? refuse('aid', 'the event names another app id than the request\'s first event (the write key)') : mapSnowplowEvent(e, key)));
  const { events: segment, batch } = toIngest(events, mapped, toFieldName);
  const r = await deps.ingest(segment, facts, undefined, batch);
  if (r.rejected.length === 0) return true;
  reply.code(400);
  void reply.send({ success: false, error: 'invalid_events', message: `${r.rejected.length} event(s) refused and quarantined; ${r.accepted + r.duplicates} kept`, rejected: r.rejected });
  return false;
}

/** `POST …/tp2`: `{schema: "iglu:…/payload_data/…", data: [{…}, …]}`. */
async function tp2(deps: ProtocolDeps, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  let bytes = bodyBytes(request.body);
  if (isGzip(bytes)) bytes = gunzipBounded(bytes, deps.maxBatchBytes);
  const parsed = parseJsonText(bytes.toString('utf8'));
  if (!parsed.ok) throw new ClientError(400, 'invalid_json', bytes.length === 0 ? 'the request body is empty' : parsed.message);
  const data = isObj(parsed.value) ? parsed.value['data'] : undefined;
  if (!Array.isArray(data)) {
    throw new ClientError(400, 'invalid_payload', 'the body must be a payload_data self-describing JSON: {"schema": "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4", "data": [events]}');
  }
  if (await ingestSnowplow(deps, request, reply, data)) return reply.code(200).type('text/plain').send('');
  return reply;
}

/** `GET /i?e=pv&…`: one event in the query string, answered with the pixel. */
async function pixel(deps: ProtocolDeps, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const query = { ...(request.query as Record<string, unknown>) };
  if (await ingestSnowplow(deps, request, reply, [query])) return reply.code(200).header('cache-control', 'no-store').type('image/gif').send(PIXEL);
  return reply;
}

/** The tracker protocol under `/snowplow` (optionally `/snowplow/<writeKey>`) and at Snowplow's own paths. */
export function registerSnowplowRoutes(app: FastifyInstance, deps: ProtocolDeps): void {
  app.setErrorHandler(protocolErrorHandler(deps, () => 'limits.maxBatchBytes'));
  for (const prefix of ['/snowplow', '/snowplow/:key', '']) {
    app.post(`${prefix}${TP2}`, { bodyLimit: deps.maxBatchBytes, config: { doc: SNOWPLOW_TP2_DOC } }, (req, reply) => tp2(deps, req, reply));
    app.get(`${prefix}/i`, { config: { doc: SNOWPLOW_PIXEL_DOC } }, (req, reply) => pixel(deps, req, reply));
  }
}
