import type { ConsentState } from './protocol.js';

/** A Consent Mode v2 update: each signal `'granted'` / `'denied'` (Google's wording) or a boolean. */
export type ConsentUpdate = { [K in keyof ConsentState]?: boolean | 'granted' | 'denied' };

/** A call made on the loader stub before the script arrived: method, arguments, `location.href` then. */
export type BufferedCall = readonly [method: string, args: readonly unknown[], url?: string];

export interface TrackerOptions {
  /**
   * Source write key, sent as `writeKey` in every batch.
   * @defaultValue `''`
   */
  writeKey?: string;
  /**
   * Where batches are POSTed. Keep it neutral: blockers list `/collect`, `/track`, `/beacon`…
   * @defaultValue script tag: `b` next to the script (`/_t/s.js` → `/_t/b`); ESM: `'/_t/b'`
   */
  endpoint?: string;
  /**
   * When true, nothing is stored and nothing is sent until `consent({ analytics_storage: true })`;
   * the landing touch is kept in memory and sent with the first batch after consent.
   * @defaultValue `false`
   */
  requireConsent?: boolean;
  /**
   * Initial Consent Mode v2 state, merged over the default (all granted, or all denied when
   * `requireConsent`), in Google's wording (`'granted'` / `'denied'`) or as booleans.
   * `analytics_storage` gates storage and sending.
   * @defaultValue all four signals `!requireConsent`
   */
  consent?: ConsentUpdate;
  /**
   * Sends a page view on `pushState`, on `popstate`, and on `replaceState` when the path changes
   * (routers and consent banners replace the query to strip UTMs: that is not a page view).
   * @defaultValue `false`
   */
  spa?: boolean;
  /**
   * More domains of the site, besides the page's own: referrers inside any of them are internal
   * navigation (direct). The page's host (without `www.`) always counts, and so does its
   * registrable domain when the collector serves the script (it writes it into `s.js`, so
   * `app.shop.com` sees a referrer from `www.shop.com` as internal).
   * @defaultValue `[]`
   */
  siteDomains?: readonly string[];
  /**
   * Referrers that never start a marketing touch (payment providers, sign-in pages). Replaces the
   * default list; spread `DEFAULT_REFERRAL_EXCLUSIONS` to extend it.
   * @defaultValue `DEFAULT_REFERRAL_EXCLUSIONS` from `@touchline/protocol`
   */
  referralExclusions?: readonly string[];
  /**
   * Inactivity after which the next event opens a new session.
   * @defaultValue 30 minutes (`DEFAULT_SESSION_TIMEOUT_MS`)
   */
  sessionTimeout?: number;
  /**
   * Milliseconds events wait to be batched before a flush.
   * @defaultValue `1000`
   */
  flushInterval?: number;
  /**
   * The landing page as captured earliest (the loader snippet records it before routers run).
   * @defaultValue the page at `createTracker()` time
   */
  landing?: { url: string; referrer?: string };
  /**
   * Calls made before the tracker existed, replayed in order (the loader stub's queue).
   * @defaultValue `[]`
   */
  buffered?: readonly BufferedCall[];
}
