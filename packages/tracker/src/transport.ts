import type { TrackerEnv } from './env.js';
import { retryableStatus, TRACKER_MAX_PAYLOAD_BYTES } from './protocol.js';
import { iso } from './util.js';

export interface Transport {
  /** Queues one serialized event (dropped when it alone would not fit in a request). */
  push(event: string): void;
  /** Sends what is queued; `unloading` uses `sendBeacon` (fetch when it refuses). Never rejects. */
  flush(unloading?: boolean): Promise<void>;
  /** Prepends a persisted outbox (once storage is permitted), persists, and schedules a flush. */
  start(saved: unknown): void;
  /** Forgets every queued event. */
  clear(): void;
}

/** Most events kept unsent (memory and persisted outbox); the oldest go first. */
export const OUTBOX_MAX = 100;

/** A failed send is classified by the protocol's one rule (network errors, timeouts, rate limits, most 5xx). */
export const retryable = retryableStatus;

/**
 * Batches serialized events into Segment batch bodies of at most 48 KiB, sends one request at a
 * time (keepalive requests share a 64 KiB in-flight budget per page), retries with exponential
 * backoff (1 s doubling to 60 s; a flush already scheduled may come first), and hands every change
 * of the queue to `persist` (the outbox).
 */
// long: the queue, in-flight list and backoff in one closure keep dist/s.js inside its 3 KiB gzip
// budget (3,071 B, 1 B to spare); send/flush/schedule as top-level steps over a state object
// measured 3,170 B, and 3,133 B even with the state's property names mangled (December 2026).
export function createTransport(
  url: string,
  writeKey: string,
  interval: number,
  env: Pick<TrackerEnv, 'post' | 'beacon' | 'later' | 'now'>,
  persist: (queue: string[]) => void,
  onAnswer: (json: unknown) => void,
): Transport {
  let queue: string[] = [];
  let inflight: string[] = [];
  let timer = false;
  let fails = 0;
  const bytes = (s: string) => new Blob([s]).size; // UTF-8 bytes
  const body = (evs: string[]) => `{"batch":[${evs}],"sentAt":"${iso(env.now())}","writeKey":${JSON.stringify(writeKey)}}`;
  const drop = (evs: string[]) => persist((queue = queue.filter((e) => !evs.includes(e))));
  const schedule = (ms: number) =>
    timer ||
    ((timer = true),
    env.later(() => {
      timer = false;
      void flush();
    }, ms));
  /** The oldest events not in flight that fit in one body (once one does not fit, none after it). */
  const next = () => {
    let n = bytes(body([]));
    return queue.filter((e) => !inflight.includes(e) && (n += bytes(e) + 1) <= TRACKER_MAX_PAYLOAD_BYTES);
  };

  /** One request; resolves true when the events are settled (sent, or dropped as unsendable). */
  async function send(evs: string[]): Promise<boolean> {
    inflight = inflight.concat(evs);
    let status = 0;
    let json: unknown;
    try {
      ({ status, json } = await env.post(url, body(evs)));
    } catch {
      // network error: status 0, retried
    }
    inflight = inflight.filter((e) => !evs.includes(e));
    if (status > 199 && status < 300) {
      fails = 0;
      onAnswer(json);
    } else if (retryable(status)) {
      schedule(Math.min(1000 * 2 ** fails++, 60_000));
      return false;
    }
    drop(evs);
    return true;
  }

  async function flush(unloading?: boolean): Promise<void> {
    try {
      let evs: string[];
      if (unloading) {
        while ((evs = next()).length) {
          // sendBeacon() === false: over the keepalive quota or refused; fetch is the fallback.
          if (!env.beacon(url, body(evs))) {
            void send(evs);
            break;
          }
          drop(evs);
        }
      } else if (!inflight.length && (evs = next()).length && (await send(evs))) await flush();
    } catch {
      // never into the host page
    }
  }

  return {
    push(e) {
      if (bytes(body([e])) > TRACKER_MAX_PAYLOAD_BYTES) return;
      if (queue.push(e) > OUTBOX_MAX) queue.shift();
      persist(queue);
      schedule(interval);
    },
    flush,
    start(saved) {
      persist((queue = (Array.isArray(saved) ? saved : []).concat(queue)));
      schedule(0);
    },
    clear() {
      queue = [];
    },
  };
}
