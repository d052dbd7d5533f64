import type { FastifyInstance } from 'fastify';
import type { Transport } from '@touchline/site';

/**
 * A `@touchline/site` transport into a collector running in the same process (a site served by
 * the same Node process, and tests): the request goes through the real tracker route, without a
 * socket.
 */
export function inProcessTransport(app: FastifyInstance, endpointPath = '/_t/b'): Transport {
  return async (r) => {
    const res = await app.inject({ method: 'POST', url: endpointPath, headers: { ...r.headers }, payload: r.body });
    return { status: res.statusCode };
  };
}
