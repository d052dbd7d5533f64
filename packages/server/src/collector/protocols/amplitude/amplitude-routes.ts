import { parseIsoTime } from '@touchline/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requestFacts } from '../../tracking-routes.js';
import { fieldNames, toIngest } from '../mapped-batch.js';
import { isObj } from '../json-values.js';
import type { ProtocolDeps } from '../protocol-deps.js';
import { protocolErrorHandler } from '../protocol-errors.js';
import { bodyBytes, gunzipBounded, isGzip, parseJsonText } from '../raw-bodies.js';
import { keyProblem, lookUpKey } from '../source-key.js';
import { amplitudeError, amplitudeOk, eventsRefused, invalidApiKey, missingField } from './amplitude-answers.js';
import { AMPLITUDE_CONFIG_DOC, AMPLITUDE_DOC } from './amplitude-route-docs.js';
import { AMPLITUDE_FIELDS, mapAmplitudeEvent, type AmplitudeFault } from './amplitude-event.js';

/** HTTP V2's cap on events per request (Amplitude answers 413; its SDKs halve and retry). */
export const AMPLITUDE_MAX_EVENTS = 2000;
/** Amplitude's default `options.min_id_length`. */
const DEFAULT_MIN_ID_LENGTH = 5;

/** Amplitude's paths, under the `/amplitude` prefix and at the vendor's own (`/batch`: see protocols.ts). */
export const AMPLITUDE_PATHS: readonly string[] = ['/amplitude/2/httpapi', '/amplitude/batch', '/2/httpapi'];

const toFieldName = fieldNames(AMPLITUDE_FIELDS);

/** Reads a body as JSON, undoing gzip that came without `Content-Encoding`. */
export function jsonBody(request: FastifyRequest, limit: number): { ok: true; value: unknown } | { ok: false; message: string } {
  let bytes = bodyBytes(request.body);
  if (isGzip(bytes)) bytes = gunzipBounded(bytes, limit);
  if (bytes.length === 0) return { ok: false, message: 'the request body is empty' };
  return parseJsonText(bytes.toString('utf8'));
}

/**
 * One HTTP V2 or Batch request, already parsed: `{api_key, events: [...], options?}`. Every event
 * is mapped, validated, stamped and spooled like a Segment event; refused ones are quarantined
 * under their Amplitude field and named in Amplitude's 400 body.
 */
export async function amplitudeRequest(deps: ProtocolDeps, request: FastifyRequest, reply: FastifyReply, body: unknown, bytes: number): Promise<unknown> {
  if (!isObj(body)) {
    reply.code(400);
    return missingField('api_key', 'the body must be a JSON object with `api_key` and `events`');
  }
  const key = lookUpKey(deps.sources, body['api_key']);
  if (!key.ok) {
    reply.code(400);
    return key.why === 'missing' ? missingField('api_key', keyProblem('missing', '`api_key` (the source\'s write key)')) : invalidApiKey(keyProblem(key.why, ''));
  }
  const facts = requestFacts(request, key.source, deps.now(), parseIsoTime(body['client_upload_time']) ?? undefined);
  const events = body['events'];
  if (!Array.isArray(events)) {
    const reason = '`events` must be an array of events';
    await deps.quarantine(facts, body, reason);
    reply.code(400);
    return { ...missingField('events', reason), quarantined: true };
  }
  if (events.length > AMPLITUDE_MAX_EVENTS) {
    reply.code(413);
    return amplitudeError(413, `Payload too large: ${events.length} events in one request; at most ${AMPLITUDE_MAX_EVENTS}`);
  }
  const options = isObj(body['options']) ? body['options'] : {};
  const min = options['min_id_length'];
  const minIdLength = typeof min === 'number' && Number.isInteger(min) && min >= 1 ? min : DEFAULT_MIN_ID_LENGTH;
  const mapped = events.map((e) => mapAmplitudeEvent(e, minIdLength));
  const faults = new Map<number, AmplitudeFault>();
  mapped.forEach((m, i) => {
    if (!m.ok && m.fault) faults.set(i, m.fault);
  });
  const { events: segment, batch } = toIngest(events, mapped, toFieldName);
  const r = await deps.ingest(segment, facts, undefined, batch);
  const kept = r.accepted + r.duplicates;
  if (r.rejected.length > 0) {
    reply.code(400);
    return eventsRefused(r.rejected, faults, kept);
  }
  return amplitudeOk(kept, bytes, deps.now());
}

/** The HTTP V2 and Batch routes in a raw-body context of their own (protocols.ts makes it). */
export function registerAmplitudeRoutes(app: FastifyInstance, deps: ProtocolDeps): void {
  app.setErrorHandler(protocolErrorHandler(deps, () => 'limits.maxBatchBytes', (b, status) => amplitudeError(status, b.message, { touchline: b })));
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const parsed = jsonBody(request, deps.maxBatchBytes);
    if (!parsed.ok) {
      reply.code(400);
      return amplitudeError(400, `Invalid JSON request body: ${parsed.message}`);
    }
    return amplitudeRequest(deps, request, reply, parsed.value, bodyBytes(request.body).length);
  };
  for (const path of AMPLITUDE_PATHS) app.post(path, { bodyLimit: deps.maxBatchBytes, config: { doc: AMPLITUDE_DOC } }, handler);
  // The browser SDK's remote configuration (`remoteConfig: { serverUrl: '…/amplitude/config' }`;
  // it asks `<serverUrl>/<apiKey>?config_group=browser`): none, so the SDK keeps its init options
  // and turns on nothing that reports to Amplitude. An unknown key is a 401: the SDK stops asking.
  app.get<{ Params: { key: string } }>('/amplitude/config/:key', { config: { doc: AMPLITUDE_CONFIG_DOC } }, async (request, reply) => {
    const key = lookUpKey(deps.sources, request.params.key);
    if (!key.ok) {
      reply.code(401);
      return invalidApiKey(keyProblem(key.why, 'the path'));
    }
    reply.header('cache-control', 'private, max-age=300');
    return {};
  });
}
