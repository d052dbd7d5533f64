import type { FastifyInstance } from 'fastify';
import type { Log } from './log.js';

/**
 * At `log.level = debug`, one line per answered request: its id, the route pattern, the status and
 * the time. At any other level no hook is added: the request path pays nothing for it.
 */
export function logRequests(app: FastifyInstance, listener: 'public' | 'admin', log: Log): void {
  if (log.level !== 'debug') return;
  app.addHook('onResponse', (request, reply, done) => {
    log.debug('request', { listener, reqId: request.id, method: request.method, route: request.routeOptions.url ?? '(no route)', status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 });
    done();
  });
}
