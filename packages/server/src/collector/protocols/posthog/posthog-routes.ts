import { parseIsoTime } from '@touchline/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ClientError } from '../../../http/client-error.js';
import { requestFacts } from '../../tracking-routes.js';
import { isObj, objOf, strOf, type Obj } from '../json-values.js';
import { fieldNames, refuse, toIngest } from '../mapped-batch.js';
import type { ProtocolDeps } from '../protocol-deps.js';
import { protocolErrorHandler } from '../protocol-errors.js';
import { keyProblem, lookUpKey } from '../source-key.js';
import { decodePostHogBody } from './posthog-body.js';
import { mapPostHogEvent, POSTHOG_FIELDS } from './posthog-event.js';
import { posthogFlags, posthogRemoteConfig } from './posthog-config.js';
import { POSTHOG_CAPTURE_DOC, POSTHOG_CONFIG_DOC, POSTHOG_CONFIG_JS_DOC, POSTHOG_FLAGS_DOC } from './posthog-route-docs.js';

/** Capture paths (each with and without the trailing slash), under `/posthog` and at PostHog's own. */
const CAPTURE = ['/e', '/i/v0/e', '/capture', '/track'];
const toFieldName = fieldNames(POSTHOG_FIELDS);

const withSlashes = (paths: readonly string[]): string[] => paths.flatMap((p) => [p, `${p}/`]);
export const POSTHOG_CAPTURE_PATHS: readonly string[] = withSlashes([...CAPTURE.map((p) => `/posthog${p}`), ...CAPTURE, '/posthog/batch']);

/** The events of a capture body: one event, an array of them, or `{batch: [...]}`. */
function eventsOf(body: unknown): unknown[] | undefined {
  if (Array.isArray(body)) return body;
  if (!isObj(body)) return undefined;
  if (Array.isArray(body['batch'])) return body['batch'];
  return 'event' in body ? [body] : undefined;
}

/** The project key: the body's `api_key` / `token`, else the first event's (`api_key`, `properties.token`). */
function keyOf(body: unknown, events: readonly unknown[]): unknown {
  const b = objOf(body);
  const first = objOf(events[0]);
  return b?.['api_key'] ?? b?.['token'] ?? first?.['api_key'] ?? first?.['token'] ?? objOf(first?.['properties'])?.['token'];
}

/** An event naming another project's key than the request's is refused (not filed under this one). */
function otherKey(e: unknown, key: string): boolean {
  const o = objOf(e);
  const k = o?.['api_key'] ?? o?.['token'] ?? objOf(o?.['properties'])?.['token'];
  return typeof k === 'string' && k !== key;
}

/**
 * A capture request, decoded: every event mapped, validated, stamped and spooled; PostHog's
 * `{"status": 1}` when all were kept, 400 naming the refused ones (quarantined) otherwise.
 */
export async function posthogRequest(deps: ProtocolDeps, request: FastifyRequest, reply: FastifyReply, body: unknown): Promise<unknown> {
  const events = eventsOf(body);
  const key = lookUpKey(deps.sources, events ? keyOf(body, events) : objOf(body)?.['api_key']);
  if (!key.ok) throw new ClientError(401, 'authentication_failed', keyProblem(key.why, '`api_key` (the source\'s write key) in the body, or `token` in each event\'s properties'));
  const b = objOf(body);
  const facts = requestFacts(request, key.source, deps.now(), parseIsoTime(b?.['sent_at']) ?? undefined);
  if (!events) {
    const reason = 'the body must be an event, an array of events, or `{"batch": [...]}`';
    await deps.quarantine(facts, body, reason);
    throw new ClientError(400, 'invalid_payload', reason, { quarantined: true });
  }
  const writeKey = key.source.writeKey;
  const mapped = events.map((e) => (otherKey(e, writeKey) ? refuse('properties.token', 'the event names another project\'s key than the request') : mapPostHogEvent(e)));
  const { events: segment, batch } = toIngest(events, mapped, toFieldName);
  const r = await deps.ingest(segment, facts, undefined, batch);
  if (r.rejected.length > 0) {
    reply.code(400);
    return { type: 'validation_error', code: 'invalid_events', detail: `${r.rejected.length} event(s) refused and quarantined; ${r.accepted + r.duplicates} kept`, rejected: r.rejected };
  }
  return { status: 1 };
}

/** PostHog's error shape (`type`, `code`, `detail`), with Touchline's answer beside it. */
const posthogError = (b: { error: string; message: string }, status: number): Obj => ({
  type: status >= 500 ? 'server_error' : status === 401 ? 'authentication_error' : 'validation_error',
  code: b.error,
  detail: b.message,
  touchline: b,
});

/** posthog-js's configuration: remote config (`/array/<token>/config[.js]`) and flags, every feature off. */
function registerConfigRoutes(app: FastifyInstance, deps: ProtocolDeps, prefix: string): void {
  const configOf = (request: FastifyRequest) => {
    const token = (request.params as { token: string }).token;
    const key = lookUpKey(deps.sources, token);
    if (!key.ok) throw new ClientError(401, 'authentication_failed', keyProblem(key.why, 'the project token in the path'));
    return posthogRemoteConfig(key.source.writeKey);
  };
  app.get(`${prefix}/array/:token/config`, { config: { doc: POSTHOG_CONFIG_DOC } }, async (request, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return configOf(request);
  });
  app.get(`${prefix}/array/:token/config.js`, { config: { doc: POSTHOG_CONFIG_JS_DOC } }, async (request, reply) => {
    const config = configOf(request);
    reply.header('cache-control', 'public, max-age=300').type('application/javascript');
    // JSON.stringify of the config (a known key, fixed values) is a JavaScript literal
    return `(function(){window._POSTHOG_REMOTE_CONFIG=window._POSTHOG_REMOTE_CONFIG||{};window._POSTHOG_REMOTE_CONFIG[${JSON.stringify(config.token)}]={config:${JSON.stringify(config)},siteApps:[]};})();`;
  });
  for (const path of withSlashes([`${prefix}/flags`, `${prefix}/decide`])) {
    app.post(path, { bodyLimit: deps.maxEventBytes, config: { doc: POSTHOG_FLAGS_DOC } }, async (request) => {
      const body = decodePostHogBody(request, deps.maxEventBytes);
      const key = lookUpKey(deps.sources, strOf(objOf(body)?.['token']) ?? strOf(objOf(body)?.['api_key']));
      if (!key.ok) throw new ClientError(401, 'authentication_failed', keyProblem(key.why, '`token` in the body'));
      return posthogFlags();
    });
  }
}

/** PostHog's capture, flags and remote config routes, in a raw-body context (protocols.ts makes it). */
export function registerPostHogRoutes(app: FastifyInstance, deps: ProtocolDeps): void {
  app.setErrorHandler(protocolErrorHandler(deps, () => 'limits.maxBatchBytes', posthogError));
  const handler = async (request: FastifyRequest, reply: FastifyReply) => posthogRequest(deps, request, reply, decodePostHogBody(request, deps.maxBatchBytes));
  for (const path of POSTHOG_CAPTURE_PATHS) app.post(path, { bodyLimit: deps.maxBatchBytes, config: { doc: POSTHOG_CAPTURE_DOC } }, handler);
  // posthog-js's beacon and some of its retries use GET with `?data=` on capture paths: not taken (docs/ingest.md).
  registerConfigRoutes(app, deps, '/posthog');
  registerConfigRoutes(app, deps, '');
}
