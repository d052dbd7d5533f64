import { touchFromLanding, type Touch } from '@touchline/protocol';
import { systemClock } from '../clock/clock.js';
import type { Ingest } from '../collector/ingest.js';

/** One incoming event as the live view shows it. */
export interface LiveEvent {
  readonly at: string;
  readonly sourceId: string;
  readonly endpoint: string;
  readonly type: string;
  readonly event: string | null;
  readonly messageId: string | null;
  readonly status: 'accepted' | 'rejected';
  readonly reason: string | null;
  /** The marketing touch the collector reads from the event's page URL and referrer, if any. */
  readonly touch: Touch | null;
}

export interface LiveTapOptions {
  /** Events kept for a viewer who opens the page (a ring buffer). @defaultValue 200 */
  readonly capacity?: number;
  /** Events per second passed on at most; past it the tap samples (the rest are counted). @defaultValue 50 */
  readonly maxPerSecond?: number;
  /** Milliseconds since the epoch (the server's clock). @defaultValue the system clock */
  readonly now?: () => number;
}

export interface LiveTap {
  /** The ingest, tapped: it answers exactly as before; the tap only reads what went through. */
  wrap(ingest: Ingest): Ingest;
  /** Buffered events, oldest first. */
  recent(): readonly LiveEvent[];
  /** Calls `listener` for each new event until the returned function is called. */
  subscribe(listener: (e: LiveEvent) => void): () => void;
  /** Events not shown because the tap was sampling. */
  readonly skipped: number;
}

const obj = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const str = (v: unknown): string | null => (typeof v === 'string' ? v.slice(0, 200) : null);

function touchOf(raw: Record<string, unknown>): Touch | null {
  const page = obj(obj(raw['context'])?.['page']);
  const url = str(page?.['url']);
  if (!url) return null;
  try {
    return touchFromLanding(url, str(page?.['referrer']) ?? undefined) ?? null;
  } catch {
    // A page URL that does not parse has no touch: the live view shows the event without one.
    return null;
  }
}

/** At most `maxPerSecond` takes in each second of the clock. */
function perSecond(maxPerSecond: number, now: () => number): () => boolean {
  let second = 0;
  let inSecond = 0;
  return () => {
    const s = Math.floor(now() / 1000);
    if (s !== second) [second, inSecond] = [s, 0];
    if (inSecond >= maxPerSecond) return false;
    inSecond++;
    return true;
  };
}

/** One event of a batch as the live view shows it (`reason`: why it was rejected, or null). */
function liveEventOf(event: unknown, req: Parameters<Ingest>[1], reason: string | null, endpointType: string | undefined, atMs: number): LiveEvent {
  const raw = obj(event) ?? {};
  return {
    at: new Date(atMs).toISOString(),
    sourceId: req.sourceId,
    endpoint: req.endpoint,
    type: str(raw['type']) ?? endpointType ?? '(none)',
    event: str(raw['event']),
    messageId: str(raw['messageId']),
    status: reason === null ? 'accepted' : 'rejected',
    reason,
    touch: touchOf(raw),
  };
}

/**
 * A bounded tap on the ingest path for the live view: it reads at most `maxPerSecond` events a
 * second (the rest are counted as skipped), after the request was answered (never on its path),
 * into a fixed-size ring buffer and to whoever watches.
 */
export function createLiveTap(o: LiveTapOptions = {}): LiveTap {
  const capacity = o.capacity ?? 200;
  const now = o.now ?? systemClock.now;
  const take = perSecond(o.maxPerSecond ?? 50, now);
  const ring: LiveEvent[] = [];
  const listeners = new Set<(e: LiveEvent) => void>();
  let skipped = 0;
  const publish = (e: LiveEvent) => {
    ring.push(e);
    if (ring.length > capacity) ring.shift();
    for (const l of listeners) l(e);
  };
  const observe = (events: readonly unknown[], req: Parameters<Ingest>[1], rejected: ReadonlyMap<number, string>, endpointType?: string) => {
    for (let i = 0; i < events.length; i++) {
      if (!take()) {
        skipped += events.length - i;
        return;
      }
      publish(liveEventOf(events[i], req, rejected.get(i) ?? null, endpointType, now()));
    }
  };
  return {
    // Every argument passes through: the other protocols' doors hand ingest their mapped batch too.
    wrap: (ingest) => async (events, req, endpointType, mapped) => {
      const result = await ingest(events, req, endpointType, mapped);
      // After the answer, sampled: the sender never waits for the live view, and a viewer who
      // opens the page sees the last events at once.
      setImmediate(() => observe(events, req, new Map(result.rejected.map((r) => [r.index, r.reason])), endpointType));
      return result;
    },
    recent: () => [...ring],
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    get skipped() {
      return skipped;
    },
  };
}
