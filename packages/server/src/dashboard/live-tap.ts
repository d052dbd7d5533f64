import { touchFromLanding } from '@touchline/protocol';
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
  readonly touch: Record<string, unknown> | null;
}

export interface LiveTapOptions {
  /** Events kept for a viewer who opens the page (a ring buffer). @defaultValue 200 */
  readonly capacity?: number;
  /** Events per second passed on at most; past it the tap samples (the rest are counted). @defaultValue 50 */
  readonly maxPerSecond?: number;
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

function touchOf(raw: Record<string, unknown>): Record<string, unknown> | null {
  const page = obj(obj(raw['context'])?.['page']);
  const url = str(page?.['url']);
  if (!url) return null;
  try {
    return (touchFromLanding(url, str(page?.['referrer']) ?? undefined) as unknown as Record<string, unknown>) ?? null;
  } catch {
    return null;
  }
}

/**
 * A bounded tap on the ingest path for the live view: it reads at most `maxPerSecond` events a
 * second (the rest are counted as skipped), after the request was answered (never on its path),
 * into a fixed-size ring buffer and to whoever watches.
 */
export function createLiveTap(o: LiveTapOptions = {}): LiveTap {
  const capacity = o.capacity ?? 200;
  const maxPerSecond = o.maxPerSecond ?? 50;
  const now = o.now ?? Date.now;
  const ring: LiveEvent[] = [];
  const listeners = new Set<(e: LiveEvent) => void>();
  let second = 0;
  let inSecond = 0;
  let skipped = 0;
  const take = (): boolean => {
    const s = Math.floor(now() / 1000);
    if (s !== second) [second, inSecond] = [s, 0];
    if (inSecond >= maxPerSecond) return false;
    inSecond++;
    return true;
  };
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
      const raw = obj(events[i]) ?? {};
      const reason = rejected.get(i) ?? null;
      publish({
        at: new Date(now()).toISOString(),
        sourceId: req.sourceId,
        endpoint: req.endpoint,
        type: str(raw['type']) ?? endpointType ?? '(none)',
        event: str(raw['event']),
        messageId: str(raw['messageId']),
        status: reason === null ? 'accepted' : 'rejected',
        reason,
        touch: touchOf(raw),
      });
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
