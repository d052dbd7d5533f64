import type { Touch } from './touch.js';

/** The Segment Tracking API call types Touchline accepts. */
export const EVENT_TYPES = ['track', 'page', 'screen', 'identify', 'group', 'alias'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export type JsonObject = { [key: string]: unknown };

/**
 * A Segment-spec event after validation: ids are non-empty strings, objects are objects, times
 * are valid ISO-8601 strings. Unknown top-level fields are dropped.
 */
export interface SegmentEvent {
  type: EventType;
  messageId?: string;
  anonymousId?: string;
  userId?: string;
  /** `track` only. */
  event?: string;
  /** `page` / `screen` name. */
  name?: string;
  category?: string;
  groupId?: string;
  previousId?: string;
  /** When the event happened on the client (Segment: `timestamp`, or `originalTimestamp`). */
  timestamp?: string;
  sentAt?: string;
  properties?: JsonObject;
  traits?: JsonObject;
  context?: EventContext;
  integrations?: JsonObject;
}

/** Consent Mode v2 signals. `true` = granted. */
export interface ConsentState {
  analytics_storage?: boolean;
  ad_storage?: boolean;
  ad_user_data?: boolean;
  ad_personalization?: boolean;
}

/** The touches the tracker attaches to every page view (see docs/schema.md). */
export interface ContextTouches {
  first?: Touch;
  last?: Touch;
  session?: Touch;
}

/** The parts of Segment's `context` object that Touchline reads; the rest is kept verbatim. */
export interface EventContext extends JsonObject {
  ip?: unknown;
  userAgent?: unknown;
  locale?: unknown;
  timezone?: unknown;
  page?: { url?: unknown; path?: unknown; search?: unknown; title?: unknown; referrer?: unknown };
  campaign?: JsonObject;
  library?: { name?: unknown; version?: unknown };
  /** Touchline: first / last / session touch. */
  touches?: ContextTouches;
  /** Touchline: consent state at the time of the event. */
  consent?: ConsentState;
  /** Touchline: Global Privacy Control (`navigator.globalPrivacyControl` or `Sec-GPC: 1`). */
  gpc?: unknown;
  sessionId?: unknown;
}

/**
 * A Consent Mode v2 signal as the event or the host page states it: `true` / `'granted'` grant,
 * `false` / `'denied'` deny (Google's `gtag('consent', …)` wording and booleans); anything else
 * states nothing (`undefined`).
 */
export function consentSignal(v: unknown): boolean | undefined {
  if (v === true || v === 'granted') return true;
  if (v === false || v === 'denied') return false;
  return undefined;
}
