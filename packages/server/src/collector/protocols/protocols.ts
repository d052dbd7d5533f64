import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AMPLITUDE_PATHS, amplitudeRequest, jsonBody, registerAmplitudeRoutes } from './amplitude/amplitude-routes.js';
import type { ProtocolDeps } from './protocol-deps.js';
import { acceptRawBodies, bodyBytes } from './raw-bodies.js';
import { decodePostHogBody } from './posthog/posthog-body.js';
import { posthogRequest, registerPostHogRoutes } from './posthog/posthog-routes.js';
import { isObj } from './json-values.js';
import { registerSnowplowRoutes } from './snowplow/snowplow-routes.js';
import { registerPostbackRoutes } from './postbacks/postback-routes.js';
import { SHARED_BATCH_DOC } from './shared-batch-doc.js';

/**
 * `/batch` is Amplitude's Batch API and `/batch/` PostHog's: SDKs keep or drop the slash as they
 * like, so both paths read the body and go by what it holds — `events` is Amplitude's, `batch`
 * PostHog's (docs/ingest.md). A body that is not JSON text (PostHog's base64 and form
 * bodies) is PostHog's; a JSON object with `api_key` and no `batch` or `event` is Amplitude's
 * (answered with its `events` problem); errors are answered in Amplitude's shape.
 */
async function sharedBatch(deps: ProtocolDeps, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const parsed = jsonBody(request, deps.maxBatchBytes);
  const body = parsed.ok && isObj(parsed.value) ? parsed.value : undefined;
  if (body && (Array.isArray(body['events']) || ('api_key' in body && !('batch' in body) && !('event' in body)))) {
    return amplitudeRequest(deps, request, reply, body, bodyBytes(request.body).length);
  }
  // PostHog's, in any of its encodings (its base64 and form bodies are not JSON text).
  return posthogRequest(deps, request, reply, parsed.ok ? parsed.value : decodePostHogBody(request, deps.maxBatchBytes));
}

/**
 * The other vendors' protocols on the public listener, each in a fastify context of its own
 * that takes bodies as bytes (raw-bodies.ts) and answers errors in the vendor's shape.
 */
export async function registerProtocols(app: FastifyInstance, deps: ProtocolDeps): Promise<void> {
  await app.register(async (scope) => {
    acceptRawBodies(scope);
    registerAmplitudeRoutes(scope, deps);
    for (const path of ['/batch', '/batch/']) scope.post(path, { bodyLimit: deps.maxBatchBytes, config: { doc: SHARED_BATCH_DOC } }, (req, reply) => sharedBatch(deps, req, reply));
  });
  await app.register(async (scope) => {
    acceptRawBodies(scope);
    registerPostHogRoutes(scope, deps);
  });
  await app.register(async (scope) => {
    acceptRawBodies(scope);
    registerSnowplowRoutes(scope, deps);
  });
  await app.register(async (scope) => {
    acceptRawBodies(scope);
    registerPostbackRoutes(scope, deps);
  });
}
