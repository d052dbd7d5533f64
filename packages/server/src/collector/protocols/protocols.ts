import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AMPLITUDE_PATHS, amplitudeRequest, jsonBody, registerAmplitudeRoutes } from './amplitude/amplitude-routes.js';
import { amplitudeError } from './amplitude/amplitude-answers.js';
import type { ProtocolDeps } from './protocol-deps.js';
import { acceptRawBodies, bodyBytes } from './raw-bodies.js';

/** Every path of the other protocols that takes a batch (for the 413's config key). */
export const PROTOCOL_BATCH_PATHS: readonly string[] = [...AMPLITUDE_PATHS, '/batch', '/batch/'];

/**
 * `/batch` is Amplitude's Batch API and `/batch/` PostHog's: SDKs keep or drop the slash as they
 * like, so both paths read the body and go by what it holds — `events` is Amplitude's, `batch`
 * PostHog's (docs/ingest.md). A body with neither is answered in Amplitude's shape.
 */
async function sharedBatch(deps: ProtocolDeps, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const parsed = jsonBody(request, deps.maxBatchBytes);
  if (!parsed.ok) {
    reply.code(400);
    return amplitudeError(400, `Invalid JSON request body: ${parsed.message}`);
  }
  return amplitudeRequest(deps, request, reply, parsed.value, bodyBytes(request.body).length);
}

/**
 * The other vendors' protocols on the public listener, each in a fastify context of its own
 * that takes bodies as bytes (raw-bodies.ts) and answers errors in the vendor's shape.
 */
export async function registerProtocols(app: FastifyInstance, deps: ProtocolDeps): Promise<void> {
  await app.register(async (scope) => {
    acceptRawBodies(scope);
    registerAmplitudeRoutes(scope, deps);
    for (const path of ['/batch', '/batch/']) scope.post(path, { bodyLimit: deps.maxBatchBytes }, (req, reply) => sharedBatch(deps, req, reply));
  });
}
