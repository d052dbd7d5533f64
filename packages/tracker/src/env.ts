/**
 * The tracker's capabilities, passed in (STYLE: capabilities are arguments). `browserEnv()` builds
 * them from `window`; tests pass fakes with a manual clock and an in-memory store.
 */

/** A `localStorage`-like store. Any method may throw (SecurityError, QuotaExceededError). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** What the page looks like right now. */
export interface PageFacts {
  url: string;
  title: string;
  /** `document.referrer` (empty string when none). */
  referrer: string;
}

/** The collector's answer to a POST: HTTP status and parsed JSON body (`null` when not JSON). */
export interface PostResult {
  status: number;
  json: unknown;
}

export interface TrackerEnv {
  /** Milliseconds since the epoch. */
  now(): number;
  /** A random v4 UUID (message ids, anonymous ids). */
  uuid(): string;
  page(): PageFacts;
  /**
   * The script storage (localStorage). Called only after consent permits storage, and only
   * inside a `try`: it may throw.
   */
  storage(): KeyValueStore;
  /**
   * POSTs `body` as `text/plain` with credentials (no CORS preflight) and `keepalive`.
   * Rejects on network errors.
   */
  post(url: string, body: string): Promise<PostResult>;
  /** `navigator.sendBeacon`; `false` when the browser refused to queue it. */
  beacon(url: string, body: string): boolean;
  /** `navigator.globalPrivacyControl === true`. */
  gpc(): boolean;
  /** Calls `fn` when the page is hidden or unloaded (`visibilitychange` → hidden, `pagehide`). */
  onHide(fn: () => void): void;
  /** Calls `fn` after `ms` milliseconds. */
  later(fn: () => void, ms: number): void;
  /**
   * SPA support: calls `fn` after `history.pushState` (`replace` false), `replaceState`
   * (`replace` true) and `popstate` (`replace` false).
   */
  onNavigate(fn: (replace: boolean) => void): void;
}
