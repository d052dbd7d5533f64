import { browserEnv } from './browser-env.js';
import type { TrackerEnv } from './env.js';
import type { TrackerOptions } from './options.js';
import {
  DEFAULT_REFERRAL_EXCLUSIONS,
  DEFAULT_SESSION_TIMEOUT_MS,
  UTM_KEYS,
  type ConsentState,
  type SegmentEvent,
  type Touch,
  type TouchState,
} from './protocol.js';
import { storageOf } from './store.js';
import { hostOf, landingTouch, touchRules } from './touch-compact.js';
import { createTransport } from './transport.js';
import { isObj, iso } from './util.js';
import { VERSION } from './version.js';

/** Per-call options, as Segment's: `context` is merged into the event's context. */
export interface CallOptions {
  context?: Record<string, unknown>;
}

type Props = Record<string, unknown>;

/** The public API. Every method returns at once and never throws. */
export interface Tracker {
  /** A page view. (Segment's optional leading `category` argument is not supported.) */
  page(name?: string, properties?: Props, options?: CallOptions): void;
  page(properties?: Props, options?: CallOptions): void;
  track(event: string, properties?: Props, options?: CallOptions): void;
  identify(userId: string, traits?: Props, options?: CallOptions): void;
  identify(traits?: Props, options?: CallOptions): void;
  /** Links `userId` to `previousId` (default: the current user id, else the anonymous id). */
  alias(userId: string, previousId?: string, options?: CallOptions): void;
  group(groupId: string, traits?: Props, options?: CallOptions): void;
  /** Forgets the user id and starts a new anonymous id (touches stay: they belong to the browser). */
  reset(): void;
  /**
   * Merges a Consent Mode v2 update. Sends a `Consent Updated` track event when sending is or was
   * allowed; on withdrawal of `analytics_storage` flushes, then wipes the tracker's storage.
   */
  consent(state: ConsentState): void;
  /** Sends what is queued now. Resolves when the request settles; never rejects. */
  flush(): Promise<void>;
}

/** What the browser caches under `_tl` (localStorage, after consent): a copy; the server is the authority. */
interface Saved {
  /** anonymousId */
  a: string;
  /** userId */
  u?: string | undefined;
  /** first / last / session touch and last activity */
  s: TouchState;
  /** outbox: serialized events not yet acknowledged */
  q?: string[];
}

/** The collector's answer to a batch (see README, wire contract). */
interface Answer {
  touches?: { first?: Touch; last?: Touch };
  anonymousId?: unknown;
}

/** localStorage key of the visitor state and outbox. */
export const STORAGE_KEY = '_tl';
export const CONSENT_EVENT = 'Consent Updated';
/** Most calls held before consent; the oldest go first. */
const PENDING_MAX = 100;
const all = (v: boolean): ConsentState => ({
  analytics_storage: v,
  ad_storage: v,
  ad_user_data: v,
  ad_personalization: v,
});

/**
 * Creates a tracker. The landing touch is captured here, synchronously; storage is read and
 * written, and events are sent, only while consent grants `analytics_storage`.
 *
 * @example
 * const t = createTracker({ writeKey: 'wk', requireConsent: true });
 * t.page();
 * cmp.onAccept(() => t.consent({ analytics_storage: true }));
 */
export function createTracker(o: TrackerOptions = {}, env: TrackerEnv = browserEnv()): Tracker {
  const t0 = iso(env.now());
  const land = o.landing ?? env.page();
  const landing = landingTouch(land.url, land.referrer);
  const next = touchRules(
    o.siteDomains ?? [hostOf(land.url)!],
    o.referralExclusions ?? DEFAULT_REFERRAL_EXCLUSIONS,
    o.sessionTimeout ?? DEFAULT_SESSION_TIMEOUT_MS,
  );
  let consent: ConsentState = { ...all(!o.requireConsent), ...o.consent };
  const allowed = () => consent.analytics_storage === true;
  const ls = storageOf(env);
  let outbox: string[] = [];
  const transport = createTransport(
    o.endpoint ?? '/_t/b',
    o.writeKey ?? '',
    o.flushInterval ?? 1000,
    env,
    (q) => save((outbox = q)),
    answer,
  );
  // Before consent the visitor lives in memory only: a fresh id, the landing applied to nothing.
  let vis: Saved = { a: env.uuid(), s: next({}, landing, t0) };
  /** Calls made while sending is not allowed, replayed in order when it becomes allowed. */
  let pending: Parameters<typeof call>[] = [];
  let cur = land.url;
  let ref = land.referrer;
  let nav = cur;
  /** A new anonymous id, no user id; the touches stay (they belong to the browser). */
  const renew = () => (vis = { a: env.uuid(), s: vis.s });
  /** The only writer of storage: nothing is written before consent. */
  function save(_?: unknown) {
    if (allowed()) ls((s) => s.setItem(STORAGE_KEY, JSON.stringify({ ...vis, q: outbox })));
  }

  /** Storage became allowed: merge the cached visitor, apply this landing to it, load the outbox. */
  function restore() {
    const saved = ls((s) => JSON.parse(s.getItem(STORAGE_KEY)!) as Saved | null);
    // (calls before consent are held, so nothing in memory is newer than what was saved)
    if (isObj(saved)) vis = { a: saved.a || vis.a, u: saved.u, s: next(saved.s || {}, landing, t0) };
    transport.start(saved?.q); // persists: saves the visitor with its outbox
  }

  /** The collector is the authority on first/last touch and on the anonymous id. */
  function answer(json: unknown) {
    const { touches: t, anonymousId: a } = (json || {}) as Answer;
    if (isObj(t)) vis.s = { ...vis.s, ...t };
    if (typeof a == 'string' && a) vis.a = a;
    save();
  }

  /** Builds one Segment event with its page, campaign, touches and consent context, and queues it. */
  function send(type: string, fields: Partial<SegmentEvent>, opts: Props | undefined, url: string, at: number) {
    const now = iso(at);
    vis.s = next(vis.s, { url }, now); // saved with the push below
    if (url != cur) [ref, cur] = [cur, url];
    const u = new URL(url);
    const page = { url, path: u.pathname, search: u.search, title: env.page().title, referrer: ref };
    let campaign: Props | undefined;
    for (const k of UTM_KEYS) {
      const v = u.searchParams.get(k);
      if (v) (campaign ||= {})[k == 'utm_campaign' ? 'name' : k.slice(4)] = v;
    }
    const ev = {
      type,
      messageId: env.uuid(),
      timestamp: now,
      anonymousId: vis.a,
      userId: vis.u, // undefined values vanish in JSON
      ...fields,
      context: {
        library: { name: '@touchline/tracker', version: VERSION },
        page,
        campaign,
        // `seen` is bookkeeping, not a touch
        touches: { ...vis.s, seen: undefined },
        consent, // replaced, never mutated: safe to share
        gpc: env.gpc(),
        ...(opts?.['context'] as Props),
      },
    } as SegmentEvent;
    // Segment's page(): the page facts are the properties too
    if (type == 'page') ev.properties = { ...page, ...ev.properties };
    transport.push(JSON.stringify(ev)); // throws on circular host objects: the call is dropped
  }

  function setConsent(c: Props | undefined, url: string, at: number) {
    const was = allowed();
    consent = { ...consent, ...c };
    const is = allowed();
    if (is && !was) {
      restore();
      const held = pending;
      pending = [];
      for (const p of held) call(...p);
    }
    // The collector learns of every change; a withdrawal is its cue to expire its cookie.
    if (was || is) send('track', { event: CONSENT_EVENT }, undefined, url, at);
    if (was && !is) {
      void transport.flush(true);
      transport.clear();
      ls((s) => s.removeItem(STORAGE_KEY));
      renew();
    } else void transport.flush();
  }

  function call(m: string, args: readonly unknown[], url = env.page().url, at = env.now()): unknown {
    try {
      const [o0, o1] = args.filter(isObj);
      if (m == 'consent') return setConsent(o0, url, at);
      if (!allowed()) return pending.push([m, args, url, at]) > PENDING_MAX && pending.shift();
      if (m == 'reset') return save(renew());
      const [s0, s1] = args.filter((a) => typeof a == 'string') as string[];
      const p = o0 || {};
      if (m == 'identify' && s0) vis.u = s0;
      const fields = (
        {
          page: () => ({ ...(s0 && { name: s0 }), properties: p }),
          identify: () => ({ traits: p }),
          track: () => s0 && { event: s0, properties: p },
          group: () => s0 && { groupId: s0, traits: p },
          alias: () => s0 && { userId: s0, previousId: s1 || vis.u || vis.a },
        } as Record<string, () => Partial<SegmentEvent> | undefined | ''>
      )[m]?.();
      if (fields) send(m, fields, m == 'alias' ? o0 : o1, url, at);
    } catch {
      // never into the host page
    }
    return undefined;
  }

  env.onHide(() => transport.flush(true)); // nothing is queued while sending is not allowed
  if (o.spa)
    env.onNavigate((replace) => {
      try {
        const key = (x: string) => {
          const u = new URL(x);
          return u.pathname + (replace ? '' : u.search);
        };
        const url = env.page().url;
        if (key(url) != key(nav)) {
          nav = url;
          call('page', [], url);
        }
      } catch {
        // never into the host page
      }
    });
  if (allowed()) restore();
  for (const [m, a, u] of o.buffered || []) call(m, a, u);
  // flush never throws (and has nothing queued while sending is not allowed)
  const api: Props = { flush: transport.flush };
  for (const m of 'page track identify alias group reset consent'.split(' ')) api[m] = (...a: unknown[]) => call(m, a);
  return api as unknown as Tracker;
}
