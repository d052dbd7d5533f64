import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { SpoolFullError, SpoolWriteError } from '../spool/spool.js';
import { QueryRefusedError, WarehouseError } from '../warehouse/warehouse.js';

/** Every error answer has this shape: `success: false`, a stable `error` code and a sentence. */
export interface ErrorBody {
  readonly success: false;
  readonly error: string;
  readonly message: string;
  readonly [extra: string]: unknown;
}

/** A request the client must fix; answered with `status` and the body as given. */
export class ClientError extends Error {
  override readonly name = 'ClientError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Malformed JSON, with where it broke and the text (so it can be quarantined). */
export class InvalidJsonError extends ClientError {
  constructor(
    message: string,
    readonly text: string,
  ) {
    super(400, 'invalid_json', message);
  }
}

/** Names the V8 parse error's position as line and column too. */
export function describeJsonError(err: Error, text: string): string {
  const m = /position (\d+)/.exec(err.message);
  if (!m || /line \d+/.test(err.message)) return `malformed JSON: ${err.message}`;
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return `malformed JSON: ${err.message} (line ${line}, column ${column})`;
}

export interface LimitNames {
  /** Config key of a route's body limit, for the 413 message. */
  limitKeyOf(request: FastifyRequest): string;
  retryAfterSeconds: number;
  log(msg: string, fields?: Record<string, unknown>): void;
}

/** Maps every failure to a JSON answer a sender can act on. Never a 5xx for bad input. */
export function toErrorReply(
  err: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
  limits: LimitNames,
): ErrorBody {
  const send = (status: number, code: string, message: string, extra: Record<string, unknown> = {}): ErrorBody => {
    reply.code(status);
    return { success: false, error: code, message, ...extra };
  };
  if (err instanceof ClientError) return send(err.status, err.code, err.message, err.extra);
  if (err instanceof SpoolFullError || err instanceof SpoolWriteError) {
    reply.header('Retry-After', String(limits.retryAfterSeconds));
    const why = err instanceof SpoolFullError ? err.message : err.code === 'ENOSPC' ? 'the disk is full' : err.message;
    return send(503, 'unavailable', `nothing was accepted: ${why}; retry later`);
  }
  if (err instanceof QueryRefusedError) return send(400, 'query_refused', err.message);
  if (err instanceof WarehouseError) return send(400, 'query_failed', err.message);
  const code = (err as FastifyError).code;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': {
      const limit = request.routeOptions.bodyLimit ?? 0;
      const key = limits.limitKeyOf(request);
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
  limits.log('unexpected error', { method: request.method, url: request.url, error: err.stack ?? err.message });
  return send(500, 'internal', 'the collector failed unexpectedly; nothing of this request was acknowledged');
}
