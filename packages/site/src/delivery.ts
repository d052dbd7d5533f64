import { retryableStatus } from '@touchline/protocol';
/** One request to the collector's tracker endpoint: a batch body and the headers it needs. */
export interface OutgoingRequest {
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * How landings reach the collector: `httpTransport(url)` over the network, or an in-process
 * function (the collector's own, for a site served by the same process, and for tests). Resolves
 * with the HTTP status; rejects (or status 0) on a network error.
 */
export type Transport = (r: OutgoingRequest) => Promise<{ status: number }>;

/**
 * POSTs to the collector's tracker endpoint (e.g. `https://www.shop.com/_t/b`, or the
 * collector's internal address), with a timeout so a slow collector never piles up sockets.
 */
export function httpTransport(endpoint: string, fetchImpl: typeof fetch = fetch, timeoutMs = 5000): Transport {
  return async (r) => {
    const res = await fetchImpl(endpoint, { method: 'POST', headers: r.headers, body: r.body, signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer().catch(() => undefined); // release the connection
    return { status: res.status };
  };
}

export interface LandingDeliveryOptions {
  readonly transport: Transport;
  /**
   * Landings waiting to be sent; past it the oldest is dropped (counted in `stats().dropped`).
   * Memory stays bounded when the collector is down; the HTML response never waits.
   * @defaultValue `1000`
   */
  readonly maxQueue?: number;
  /** Requests in flight at once. @defaultValue `4` */
  readonly concurrency?: number;
  /** Extra attempts for network errors, 408, 429 and 5xx (0.5 s, then doubling). @defaultValue `2` */
  readonly retries?: number;
  /** Told about every landing given up on. @defaultValue ignore */
  readonly onError?: (reason: string) => void;
}

export interface LandingDeliveryStats {
  queued: number;
  inFlight: number;
  sent: number;
  /** Dropped because the queue was full. */
  dropped: number;
  /** Given up after retries, or refused by the collector (4xx). */
  failed: number;
}

export interface LandingDelivery {
  /** Queues a request and returns at once. */
  enqueue(r: OutgoingRequest): void;
  /** Resolves when everything queued now was sent or given up. */
  flush(): Promise<void>;
  stats(): LandingDeliveryStats;
}

/** The protocol's one retry rule, shared with the tracker's transport and the destinations. */
export const retryable = retryableStatus;

/**
 * Fire-and-forget delivery with a bounded in-memory queue. Chosen over a durable local hand-off
 * because the landing it carries is a second copy: the tracker reports the same landing when it
 * runs, and the collector's touch store keeps what arrived. Losing the queue in a crash loses only
 * landings of visitors whose script was also blocked, in that instant.
 */
export function createLandingDelivery(o: LandingDeliveryOptions): LandingDelivery {
  const max = o.maxQueue ?? 1000;
  const concurrency = o.concurrency ?? 4;
  const retries = o.retries ?? 2;
  const queue: { r: OutgoingRequest; tries: number }[] = [];
  const s: LandingDeliveryStats = { queued: 0, inFlight: 0, sent: 0, dropped: 0, failed: 0 };
  let waiters: (() => void)[] = [];
  let pendingRetries = 0;

  const settle = () => {
    if (queue.length || s.inFlight || pendingRetries) return;
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const giveUp = (why: string) => {
    s.failed++;
    o.onError?.(why);
  };

  function pump(): void {
    while (s.inFlight < concurrency && queue.length) {
      const item = queue.shift()!;
      s.inFlight++;
      void o.transport(item.r).then(
        ({ status }) => done(item, status, `the collector answered ${status}`),
        (err: unknown) => done(item, 0, `network error: ${(err as Error)?.message ?? String(err)}`),
      );
    }
    settle();
  }

  function done(item: { r: OutgoingRequest; tries: number }, status: number, why: string): void {
    s.inFlight--;
    if (status > 199 && status < 300) s.sent++;
    else if (retryable(status) && item.tries < retries) {
      pendingRetries++;
      setTimeout(() => {
        pendingRetries--;
        item.tries++;
        queue.unshift(item);
        pump();
      }, 500 * 2 ** item.tries).unref?.();
    } else giveUp(why);
    pump();
  }

  return {
    enqueue(r) {
      queue.push({ r, tries: 0 });
      if (queue.length > max) {
        queue.shift();
        s.dropped++;
        o.onError?.(`queue full (${max}): dropped the oldest landing`);
      }
      pump();
    },
    flush() {
      return new Promise<void>((resolve) => {
        waiters.push(resolve);
        settle();
      });
    },
    stats: () => ({ ...s, queued: queue.length }),
  };
}
