import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { toErrorReply, type ErrorBody } from '../../http/error-reply.js';
import type { ProtocolDeps } from './protocol-deps.js';

/**
 * A protocol context's error handler: the collector's answers (413 naming the limit, 415, 503 +
 * Retry-After, a logged 500), reshaped by `shape` where the vendor's SDK reads its own shape.
 */
export function protocolErrorHandler(
  deps: ProtocolDeps,
  limitName: (request: FastifyRequest) => string,
  shape: (body: ErrorBody, status: number) => unknown = (b) => b,
) {
  return async (err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const body = toErrorReply(err, request, reply, { retryAfterSeconds: deps.retryAfterSeconds, log: deps.log, limitKeyOf: limitName });
    return shape(body, reply.statusCode);
  };
}
