import { browserEnv } from './browser-env.js';
import type { TrackerEnv } from './env.js';
import type { ConsentUpdate, TrackerOptions } from './options.js';
import {
  DEFAULT_REFERRAL_EXCLUSIONS,
  DEFAULT_SESSION_TIMEOUT_MS,
  UTM_KEYS,
  type ConsentState,
  type SegmentEvent,
  type Touch,
  type TouchState,
} from './protocol.js';
import { SITE_DOMAIN_TOKEN } from './snippet.js';
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
   * Merges a Consent Mode v2 update, in Google's wording (`'granted'` / `'denied'`, as
   * `gtag('consent', 'update', …)` takes it) or as booleans; any other value of the four signals is
   * ignored with a console warning. Sends a `Consent Updated` track event when sending is or was
   * allowed; on withdrawal of `analytics_storage` flushes, then wipes the tracker's storage.
   */
  consent(state: ConsentUpdate): void;
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
const SIGNALS = 'analytics_storage ad_storage ad_user_data ad_personalization'.split(' ') as (keyof ConsentState)[];

/**
 * `c` (Google's `'granted'`/`'denied'`, or booleans; `dflt` for a signal it leaves out) merged
 * over `into`, as a new object: events share the one they were sent with. A signal with any other
 * value is left as it was, with a warning (a silent `'yes'` would never grant, and the site would
 * never learn why nothing arrives).
 */
function mergeConsent(into: ConsentState, c: { [K in keyof ConsentState]?: unknown } = {}, dflt?: boolean): ConsentState {
  const out = { ...into };
  for (const k of SIGNALS) {
    const v = c[k] ?? dflt;
    if (v === true || v === 'granted') out[k] = true;
    else if (v === false || v === 'denied') out[k] = false;
    else if (v != null) console.warn('touchline: consent needs "granted"/"denied":', c);
  }
  return out;
}

/**
 * Creates a tracker. The landing touch is captured here, synchronously; storage is read and
 * written, and events are sent, only while consent grants `analytics_storage`.
 *
 * @example
 * const t = createTracker({ writeKey: 'wk', requireConsent: true });
 * t.page();
 * cmp.onAccept(() => t.consent({ analytics_storage: true }));
 */
// long: one closure over the visitor, consent and pending calls keeps dist/s.js inside its 3 KiB
// gzip budget (3,071 B, 1 B to spare): moving only the event builder out to a top-level function
// already measured 3,097 B (+26 B, December 2026); each step out needs its state as arguments.
export function createTracker(o: TrackerOptions = {}, env: TrackerEnv = browserEnv()): Tracker {
  const land = o.landing ?? env.page();
  /** The arrival on this document: the first page view applies it; later ones apply their own URL. */
  let landing: Touch | null = landingTouch(land.url, land.referrer);
  const next = touchRules(
    // The page's own host, and its registrable domain: the collector serving the script writes it
    // over the token (server tracker-endpoint/script-asset.ts), as the Public Suffix List is too big
    // to ship and `app.shop.com` must see `www.shop.com` as the same site. Served as is (or in the
    // ESM build), the token stays: it matches no host. (test/build.test.ts checks the minified
    // script keeps the literal.)
    [hostOf(land.url)!, SITE_DOMAIN_TOKEN, ...(o.siteDomains || [])],
    o.referralExclusions ?? DEFAULT_REFERRAL_EXCLUSIONS,
    o.sessionTimeout ?? DEFAULT_SESSION_TIMEOUT_MS,
  );
  let consent = mergeConsent({}, o.consent, !o.requireConsent);
  const allowed = () => consent.analytics_storage; // always a boolean (mergeConsent)
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
  // Before consent the visitor lives in memory only: a fresh id, no touches yet.
  let vis: Saved = { a: env.uuid(), s: {} };
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

  /** Storage became allowed: load the cached visitor and the outbox. */
  function restore() {
    const saved = ls((s) => JSON.parse(s.getItem(STORAGE_KEY)!) as Saved | null);
    // (calls before consent are held, so nothing in memory is newer than what was saved)
    if (isObj(saved)) vis = { a: saved.a || vis.a, u: saved.u, s: saved.s || {} };
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
    if (url != cur) [ref, cur] = [cur, url];
    const arrival = type == 'page';
    // Only arrivals (page views) start touches and sessions: the first applies the landing, an SPA
    // navigation its URL and the previous page. Any other call is activity. Saved with the push below.
    if (arrival) (vis.s = next(vis.s, landing || landingTouch(url, ref), now)), (landing = null);
    else vis.s.seen = now; // (`vis.s` is the tracker's own object: `next` and `answer` make new ones)
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
    if (arrival) ev.properties = { ...page, ...ev.properties };
    transport.push(JSON.stringify(ev)); // throws on circular host objects: the call is dropped
  }

  function setConsent(c: Props | undefined, url: string, at: number) {
    const was = allowed();
    consent = mergeConsent(consent, c);
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
