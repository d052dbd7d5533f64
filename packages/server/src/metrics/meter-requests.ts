import type { FastifyInstance } from 'fastify';
import type { Metrics } from './metrics.js';

/**
 * Times every answer of `app` by route pattern (`unmatched` for a 404 of no route: the URL asked
 * for is never a label). One histogram observation per request, in `onResponse`, after the answer.
 */
export function meterRequests(app: FastifyInstance, listener: 'public' | 'admin', metrics: Metrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(listener, request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
