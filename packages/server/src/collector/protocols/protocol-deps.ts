import type { Log } from '../../logging/log.js';
import type { TrackingDeps } from '../tracking-routes.js';

/** What every protocol's routes need: the collector's ingest and sources, and its error policy. */
export interface ProtocolDeps extends TrackingDeps {
  /** `Retry-After` of a 503 (spool full). */
  readonly retryAfterSeconds: number;
  /** Where unexpected errors are reported. */
  readonly log: Log;
}
