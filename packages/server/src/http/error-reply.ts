import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Log } from '../logging/log.js';
import { SpoolFullError, SpoolWriteError } from '../spool/spool.js';
import { QueryRefusedError, WarehouseError } from '../warehouse/warehouse.js';
import { ClientError } from './client-error.js';

/** Every error answer has this shape: `success: false`, a stable `error` code and a sentence. */
export interface ErrorBody {
  readonly success: false;
  readonly error: string;
  readonly message: string;
  readonly [extra: string]: unknown;
}

export interface ErrorReplyOptions {
  /** Config key of a route's body limit, for the 413 message. */
  limitKeyOf(request: FastifyRequest): string;
  retryAfterSeconds: number;
  log: Log;
}

/** Maps every failure to a JSON answer a sender can act on. Never a 5xx for bad input. */
export function toErrorReply(
  err: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
  options: ErrorReplyOptions,
): ErrorBody {
  const send = (status: number, code: string, message: string, extra: Record<string, unknown> = {}): ErrorBody => {
    reply.code(status);
    return { success: false, error: code, message, ...extra };
  };
  if (err instanceof ClientError) return send(err.status, err.code, err.message, err.extra);
  if (err instanceof SpoolFullError || err instanceof SpoolWriteError) {
    reply.header('Retry-After', String(options.retryAfterSeconds));
    const why = err instanceof SpoolFullError ? err.message : err.code === 'ENOSPC' ? 'the disk is full' : err.message;
    // debug: a full spool answers every request so; the 5xx rate is on /metrics.
    options.log.debug('answered 503: the spool took nothing of this request', { reqId: request.id, route: request.routeOptions.url ?? '(no route)', why });
    return send(503, 'unavailable', `nothing was accepted: ${why}; retry later`);
  }
  if (err instanceof QueryRefusedError) return send(400, 'query_refused', err.message);
  if (err instanceof WarehouseError) return send(400, 'query_failed', err.message);
  const code = (err as FastifyError).code;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': {
      const limit = request.routeOptions.bodyLimit ?? 0;
      const key = options.limitKeyOf(request);
      return send(413, 'payload_too_large', `the request body is larger than ${limit} bytes (${key})`, {
        limit: key,
        limitBytes: limit,
      });
    }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return send(415, 'unsupported_media_type', 'send Content-Type: application/json (or text/plain for beacons)');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return send(400, 'empty_body', 'the request body is empty');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return send(400, 'bad_content_length', 'the body length does not match Content-Length');
    case 'Z_DATA_ERROR':
    case 'Z_BUF_ERROR':
      return send(400, 'bad_encoding', `the body is not valid ${String(request.headers['content-encoding'])} data`);
    default:
      break;
  }
  const status = (err as FastifyError).statusCode;
  if (status && status >= 400 && status < 500) return send(status, 'bad_request', err.message);
  // The route pattern, not the URL: a query string can carry a write key (beacons) or personal data.
  options.log.error('unexpected error', { reqId: request.id, method: request.method, route: request.routeOptions.url ?? '(no route)', error: err.stack ?? err.message });
  options.log.debug('unexpected error: the request', { reqId: request.id, url: request.url });
  return send(500, 'internal', 'the server failed unexpectedly; nothing of this request was acknowledged');
}
