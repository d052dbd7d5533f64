import type { FastifyServerOptions } from 'fastify';

/**
 * What one listener allows a client (docs/security.md, "Limits"): slow or idle clients cannot hold
 * connections open, and a flood of them is capped.
 */
export interface ListenerLimits {
  /** Open connections; more are closed as they arrive. */
  readonly maxConnections: number;
  /** A client must send a request's headers within this time (ms). */
  readonly headersTimeoutMs: number;
  /** …and the whole request, body included, within this time (ms). */
  readonly requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this time (ms). */
  readonly keepAliveTimeoutMs: number;
}

/**
 * The fastify / node:http options for `limits`. Node checks the header and request deadlines on an
 * interval (30 s by default): it is set to a quarter of the shorter deadline, at most 1 s, so a slow
 * client is cut close to its deadline.
 */
export function serverOptions(limits: ListenerLimits): Pick<FastifyServerOptions, 'requestTimeout' | 'keepAliveTimeout' | 'connectionTimeout'> & {
  http: { headersTimeout: number; requestTimeout: number; keepAliveTimeout: number; connectionsCheckingInterval: number };
} {
  const shorter = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  return {
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // No socket inactivity timeout: an admin query may compute for minutes before its answer.
    connectionTimeout: 0,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(shorter / 4))),
    },
  };
}
