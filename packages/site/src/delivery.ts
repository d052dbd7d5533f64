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
  const st: DeliveryState = {
    o,
    concurrency: o.concurrency ?? 4,
    retries: o.retries ?? 2,
    queue: [],
    stats: { queued: 0, inFlight: 0, sent: 0, dropped: 0, failed: 0 },
    waiters: [],
    pendingRetries: 0,
  };
  return {
    enqueue(r) {
      st.queue.push({ r, tries: 0 });
      if (st.queue.length > max) {
        st.queue.shift();
        st.stats.dropped++;
        o.onError?.(`queue full (${max}): dropped the oldest landing`);
      }
      pump(st);
    },
    flush() {
      return new Promise<void>((resolve) => {
        st.waiters.push(resolve);
        settle(st);
      });
    },
    stats: () => ({ ...st.stats, queued: st.queue.length }),
  };
}

/** A queued landing and how many times it was tried. */
interface Item {
  readonly r: OutgoingRequest;
  tries: number;
}

/** One delivery's state, shared by its steps (pump → done → retry → settle). */
interface DeliveryState {
  readonly o: LandingDeliveryOptions;
  readonly concurrency: number;
  readonly retries: number;
  readonly queue: Item[];
  readonly stats: LandingDeliveryStats;
  /** `flush()` callers waiting for the queue, the requests in flight and the retries to drain. */
  waiters: (() => void)[];
  pendingRetries: number;
}

/** Starts requests up to the concurrency limit. */
function pump(st: DeliveryState): void {
  while (st.stats.inFlight < st.concurrency && st.queue.length) {
    const item = st.queue.shift()!;
    st.stats.inFlight++;
    void st.o.transport(item.r).then(
      ({ status }) => done(st, item, status, `the collector answered ${status}`),
      (err: unknown) => done(st, item, 0, `network error: ${(err as Error)?.message ?? String(err)}`),
    );
  }
  settle(st);
}

/** A request answered (status 0: a network error): counted sent, retried later, or given up. */
function done(st: DeliveryState, item: Item, status: number, why: string): void {
  st.stats.inFlight--;
  if (status > 199 && status < 300) st.stats.sent++;
  else if (retryable(status) && item.tries < st.retries) retryLater(st, item);
  else {
    st.stats.failed++;
    st.o.onError?.(why);
  }
  pump(st);
}

/** Puts the landing back at the head of the queue after a backoff (0.5 s, then doubling). */
function retryLater(st: DeliveryState, item: Item): void {
  st.pendingRetries++;
  setTimeout(() => {
    st.pendingRetries--;
    item.tries++;
    st.queue.unshift(item);
    pump(st);
  }, 500 * 2 ** item.tries).unref?.();
}

/** Resolves the `flush()` waiters once nothing is queued, in flight or waiting to retry. */
function settle(st: DeliveryState): void {
  if (st.queue.length || st.stats.inFlight || st.pendingRetries) return;
  const w = st.waiters;
  st.waiters = [];
  for (const f of w) f();
}
