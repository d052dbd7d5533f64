import type { SegmentEvent } from '@touchline/protocol';
import type { RequestFacts } from './event-row.js';

/**
 * Stamps events with their visitors' touches, so that every SDK's events carry `first_*` /
 * `last_*` as the tracker's do. The ingest step calls it after validation, with each event's bot
 * flag; the implementation keeps the touch state (tracker-endpoint/visitor-stamps.ts).
 */
export interface TouchStamping {
  /**
   * The events as they are stored, in order: each one that is not a bot's and names a usable
   * anonymous id carries its visitor's touches after it (`context.touches`; what the client
   * claimed, when it differs, as `context.client_touches`); the others as given. Rejects when the
   * touch state cannot be read or written (nothing of the request is acknowledged then).
   */
  stamp(events: readonly SegmentEvent[], bots: readonly boolean[], req: RequestFacts): Promise<readonly SegmentEvent[]>;
}
