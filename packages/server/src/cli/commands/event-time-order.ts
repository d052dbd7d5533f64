/**
 * Events of an import put in event-time order, within a bounded window, so that each one is
 * stamped with its visitor's touches as they stood at its time (the touch store applies events in
 * the order it receives them). A file in time order, as Segment's and RudderStack's archives are,
 * passes through unchanged; a file out of order by at most `window` events comes out sorted; an
 * event later than that (older than one already sent on) is counted and sent as it comes, and the
 * touch store treats it as a late event (it may only fill a missing first touch).
 */

/** Epoch milliseconds an event happened: its `timestamp` (or `originalTimestamp`). */
export function eventTimeOf(e: unknown): number {
  if (typeof e !== 'object' || e === null) return -Infinity; // not an event: quarantined, order irrelevant
  const o = e as Record<string, unknown>;
  const t = typeof o['timestamp'] === 'string' ? o['timestamp'] : o['originalTimestamp'];
  const ms = typeof t === 'string' ? Date.parse(t) : NaN;
  // no time: the collector stamps it with the time it receives it, after everything in the file
  return Number.isFinite(ms) ? ms : Infinity;
}

interface Entry<T> {
  readonly t: number;
  readonly seq: number;
  readonly item: T;
}

const before = <T>(a: Entry<T>, b: Entry<T>) => a.t < b.t || (a.t === b.t && a.seq < b.seq);

/** A binary min-heap of entries by (time, arrival order). */
function heap<T>() {
  const h: Entry<T>[] = [];
  return {
    get size() {
      return h.length;
    },
    push(e: Entry<T>) {
      h.push(e);
      for (let i = h.length - 1; i > 0; ) {
        const p = (i - 1) >> 1;
        if (!before(h[i]!, h[p]!)) break;
        [h[i], h[p]] = [h[p]!, h[i]!];
        i = p;
      }
    },
    pop(): Entry<T> | undefined {
      const top = h[0];
      const last = h.pop();
      if (h.length > 0 && last) {
        h[0] = last;
        for (let i = 0; ; ) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < h.length && before(h[l]!, h[m]!)) m = l;
          if (r < h.length && before(h[r]!, h[m]!)) m = r;
          if (m === i) break;
          [h[i], h[m]] = [h[m]!, h[i]!];
          i = m;
        }
      }
      return top;
    },
  };
}

/**
 * `source` re-ordered by `timeOf` (ties keep their order) through a window of `window` items;
 * `onLate` is called for each item older than one already yielded.
 */
export async function* inEventTimeOrder<T>(source: AsyncIterable<T>, timeOf: (item: T) => number, window: number, onLate: () => void = () => undefined): AsyncGenerator<T> {
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`the ordering window must be a whole number of events ≥ 1, got ${window}`);
  const h = heap<T>();
  let seq = 0;
  let last = -Infinity;
  const out = (e: Entry<T>) => {
    if (e.t < last) onLate();
    else last = e.t;
    return e.item;
  };
  let failed = false;
  let failure: unknown;
  try {
    for await (const item of source) {
      h.push({ t: timeOf(item), seq: seq++, item });
      if (h.size > window) yield out(h.pop()!);
    }
  } catch (err) {
    // A source that fails part way (a damaged gzip) still hands on what it read before failing.
    failed = true;
    failure = err;
  }
  while (h.size > 0) yield out(h.pop()!);
  if (failed) throw failure;
}
