/**
 * An in-memory browser for unit tests: a manual clock and timers, a storage that logs every
 * access (so "nothing touched before consent" is checkable), and a network that records requests
 * and answers as each test scripts it. Several "page loads" share one world, as tabs share one
 * browser profile.
 */
import { createTracker, type PageFacts, type PostResult, type Tracker, type TrackerEnv, type TrackerOptions } from '../../src/index.js';
import type { SegmentEvent } from '@touchline/protocol';

export interface SentRequest {
  via: 'fetch' | 'beacon';
  url: string;
  body: string;
  bytes: number;
  batch: SegmentEvent[];
}

/** What the fake network answers: a result, or `'network-error'` (fetch rejects). */
export type Answer = PostResult | 'network-error';

export const T0 = Date.parse('2025-03-01T10:00:00.000Z');

export function createWorld(start = T0) {
  let seq = 0;
  let timers: { at: number; fn: () => void; page: number }[] = [];
  let pages = 0;
  const world = {
    now: start,
    store: new Map<string, string>(),
    /** Every storage access, in order: `get k`, `set k`, `del k`. */
    ops: [] as string[],
    /** When set, every storage access throws this (e.g. a SecurityError). */
    storageError: undefined as Error | undefined,
    requests: [] as SentRequest[],
    /** Scripted answers, used in order; then `defaultAnswer`. */
    answers: [] as Answer[],
    defaultAnswer: { status: 200, json: { success: true } } as Answer,
    beaconAccepts: true,
    gpc: false,

    /** Every event the network received, in order. */
    events(): SegmentEvent[] {
      return world.requests.flatMap((r) => r.batch);
    },
    /** Lets pending promises (fetch answers) settle. */
    async settle(): Promise<void> {
      for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
    },
    /** Advances the clock, running due timers in order (and settling after each). */
    async tick(ms: number): Promise<void> {
      const end = world.now + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const t = timers[0];
        if (!t || t.at > end) break;
        timers.shift();
        world.now = Math.max(world.now, t.at);
        t.fn();
        await world.settle();
      }
      world.now = end;
      await world.settle();
    },
    pendingTimers: () => timers.length,

    /** Opens a page: a fresh tracker over this world's clock, storage and network. */
    open(url: string, referrer = '', options: TrackerOptions = {}) {
      const id = ++pages;
      let closed = false;
      const page: PageFacts = { url, title: `Title of ${new URL(url).pathname}`, referrer };
      const hide: (() => void)[] = [];
      const nav: ((replace: boolean) => void)[] = [];
      const access = (op: string) => {
        world.ops.push(op);
        if (world.storageError) throw world.storageError;
      };
      const env: TrackerEnv = {
        now: () => world.now,
        uuid: () => `id-${++seq}`,
        page: () => ({ ...page }),
        storage: () => ({
          getItem: (k) => (access(`get ${k}`), world.store.get(k) ?? null),
          setItem: (k, v) => (access(`set ${k}`), void world.store.set(k, v)),
          removeItem: (k) => (access(`del ${k}`), void world.store.delete(k)),
        }),
        post: async (u, body) => {
          if (closed) throw new TypeError('Failed to fetch');
          record('fetch', u, body);
          const a = world.answers.shift() ?? world.defaultAnswer;
          if (a === 'network-error') throw new TypeError('Failed to fetch');
          return a;
        },
        beacon: (u, body) => {
          if (!world.beaconAccepts) return false;
          record('beacon', u, body);
          return true;
        },
        gpc: () => world.gpc,
        onHide: (fn) => void hide.push(fn),
        later: (fn, ms) => void (closed || timers.push({ at: world.now + ms, fn, page: id })),
        onNavigate: (fn) => void nav.push(fn),
      };
      const tracker: Tracker = createTracker({ writeKey: 'wk_test', ...options }, env);
      return {
        tracker,
        env,
        page,
        /** The page is hidden / unloaded (pagehide, visibilitychange → hidden). */
        hide: () => hide.forEach((f) => f()),
        /** The page is gone: its timers never fire, its requests fail. */
        close() {
          closed = true;
          timers = timers.filter((t) => t.page !== id);
        },
        /** history.pushState / replaceState to `to`. */
        navigate(to: string, replace = false) {
          page.url = to;
          page.title = `Title of ${new URL(to).pathname}`;
          nav.forEach((f) => f(replace));
        },
      };
    },
  };
  function record(via: SentRequest['via'], url: string, body: string) {
    world.requests.push({ via, url, body, bytes: new TextEncoder().encode(body).length, batch: JSON.parse(body).batch });
  }
  return world;
}

export type World = ReturnType<typeof createWorld>;
