import type { Clock } from '../clock/clock.js';
import type { Touch, TouchState } from '@touchline/protocol';

/**
 * Each visitor's touches, kept by the server under the visitor id of its cookie: the authority
 * for first touch (written once), last touch (the last marketing touch, never a direct visit:
 * "last non-direct"), the session touch (the latest arrival, direct included: "last touch" in the
 * any-arrival sense) and the last activity (for the 30-minute session rule).
 *
 * One port, several stores, one conformance suite (test/tracker/touch-store-conformance.ts):
 * `memory` for tests and throw-away runs, `sqlite` (the embedded default, in the data dir),
 * `clickhouse` (shared by every collector on a ClickHouse warehouse: facts merged on read, see
 * clickhouse-touch-store.ts; atomic per visitor within a collector, merged across collectors).
 */
export interface TouchStore {
  /** The visitor's state, or `undefined` when the id was never seen. */
  get(visitorId: string): Promise<TouchState | undefined>;
  /**
   * Applies `step` to the visitor's state atomically (no other update of that visitor interleaves)
   * and returns what is stored afterwards. A stored `first` is never replaced, whatever `step`
   * returns. Returning the very object it was given means "no change" (nothing is written).
   */
  update(visitorId: string, step: (prev: TouchState) => TouchState): Promise<TouchState>;
  /**
   * Several updates, each as `update` makes it (atomic for its visitor; a visitor named twice
   * sees its first update in its second), made together where the store can: SQLite commits a
   * request's visitors in one transaction, not one each. Returns what is stored after each.
   */
  updateMany(updates: readonly VisitorUpdate[]): Promise<TouchState[]>;
  /** Forgets visitors last seen before `seenBefore` (ISO-8601): their cookie has expired. Returns how many. */
  prune(seenBefore: string): Promise<number>;
  /** Visitors held, where the store counts them cheaply (for `/metrics`). @defaultValue absent */
  count?(): Promise<number>;
  /**
   * Forgets these visitors whatever their age (a privacy request: docs/governance.md). Returns how
   * many were stored. On ClickHouse it waits for the DELETE to finish.
   */
  forget(visitorIds: readonly string[]): Promise<number>;
  close(): Promise<void>;
}

/** One visitor's update: its id and the step applied to its stored state (see `TouchStore.update`). */
export type VisitorUpdate = readonly [visitorId: string, step: (prev: TouchState) => TouchState];

/** `updateMany` for a store with nothing better: the updates one after another. */
export async function updateEach(store: Pick<TouchStore, 'update'>, updates: readonly VisitorUpdate[]): Promise<TouchState[]> {
  const out: TouchState[] = [];
  for (const [id, step] of updates) out.push(await store.update(id, step));
  return out;
}

/** A state from its stored parts, leaving out the absent ones (as stores hand states out). */
export function touchStateOf(first: Touch | undefined, last: Touch | undefined, session: Touch | undefined, seen: string | null | undefined): TouchState {
  const s: TouchState = {};
  if (first) s.first = first;
  if (last) s.last = last;
  if (session) s.session = session;
  if (seen) s.seen = seen;
  return s;
}

/** The stored result of `step`: `first` is write-once. */
export function mergeStored(prev: TouchState, next: TouchState): TouchState {
  return prev.first && next.first !== prev.first ? { ...next, first: prev.first } : next;
}

/** In memory: for tests and runs whose state may vanish (`tracker.touchStore.engine = memory`). */
export function memoryTouchStore(): TouchStore & { readonly size: number } {
  const m = new Map<string, TouchState>();
  const update = async (id: string, step: (prev: TouchState) => TouchState): Promise<TouchState> => {
    const prev = structuredClone(m.get(id) ?? {});
    const next = step(prev);
    if (next === prev) return structuredClone(prev);
    const stored = mergeStored(prev, next);
    m.set(id, structuredClone(stored));
    return structuredClone(stored);
  };
  return {
    get size() {
      return m.size;
    },
    async get(id) {
      const s = m.get(id);
      return s && structuredClone(s);
    },
    update,
    updateMany: (updates) => updateEach({ update }, updates),
    count: async () => m.size,
    async prune(before) {
      let n = 0;
      for (const [id, s] of m) if (!s.seen || s.seen < before) n += Number(m.delete(id));
      return n;
    },
    async forget(ids) {
      let n = 0;
      for (const id of new Set(ids)) n += Number(m.delete(id));
      return n;
    },
    async close() {
      m.clear();
    },
  };
}

/**
 * Prunes now and then every `everyMs`, by the injected clock (its timer never keeps the process
 * alive; a test advances it). Returns a stop function.
 */
export function schedulePruning(store: TouchStore, maxAgeMs: number, clock: Clock, log: (msg: string, f?: Record<string, unknown>) => void, everyMs = 6 * 3600 * 1000): () => void {
  const run = () =>
    void store.prune(new Date(clock.now() - maxAgeMs).toISOString()).then(
      (n) => n > 0 && log('forgot visitors whose cookie expired', { visitors: n }),
      (err: Error) => log('touch store pruning failed', { error: err.message }),
    );
  run();
  return clock.every(everyMs, run);
}
