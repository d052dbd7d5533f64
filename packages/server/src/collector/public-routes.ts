import type { FastifyInstance } from 'fastify';
import type { RequestFacts } from './event-row.js';

/** Keeps a request the collector could not take in `failed_events`, with the reason. */
export type Quarantine = (facts: RequestFacts, raw: unknown, reason: string, rawIsText?: boolean) => Promise<void>;

/**
 * Routes a module above the collector adds to the public listener (the tracker's script and
 * endpoint). The collector defines the shape and the composition root hands the routes in, so
 * the collector never imports the modules that build on it.
 */
export interface PublicRoutes {
  /** Paths that take batches: a 413 there names `limits.maxBatchBytes`. */
  readonly batchPaths: readonly string[];
  /** Adds the routes; CORS and the error answers are already in place. */
  register(app: FastifyInstance, quarantine: Quarantine): void;
}
