import { consentSignal, type Touch, type TouchState } from '@touchline/protocol';
import { expiredVisitorCookie, readVisitorId, visitorCookie, type VisitorCookieOptions } from '@touchline/site';
import { isbot } from 'isbot';
import type { RequestFacts } from '../collector/event-row.js';
import { ClientError } from '../http/client-error.js';
import type { Ingest, EventRejection } from '../collector/ingest.js';
import type { TouchStore } from './touch-store.js';
import { applyToVisitors, eventTime, withTouches } from './visitor-stamps.js';
import type { TouchRulesConfig } from './visitor-touches.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined);

export interface TrackerBatchDeps {
  readonly ingest: Ingest;
  readonly store: TouchStore;
  readonly newId: () => string;
  readonly rules: TouchRulesConfig;
  readonly cookie: VisitorCookieOptions;
  /** Events that do not state `analytics_storage` count as not granted. */
  readonly requireConsent: boolean;
  /** Stores a request that could not be read as events. */
  readonly quarantine: (facts: RequestFacts, raw: unknown, reason: string) => Promise<void>;
}

/** What the route knows about the HTTP request besides the body. */
export interface TrackerRequest {
  readonly body: Obj;
  readonly facts: RequestFacts;
  readonly cookieHeader: string | undefined;
  /** Host name the page was served from (for the cookie's Domain). */
  readonly host: string;
  /** Served over https (directly, or per `X-Forwarded-Proto` from a trusted proxy). */
  readonly secure: boolean;
}

export interface TrackerAnswer {
  readonly status: number;
  readonly setCookie: string | undefined;
  readonly body: {
    success: boolean;
    accepted: number;
    duplicates: number;
    rejected: readonly EventRejection[];
    anonymousId?: string;
    touches?: { first?: Touch; last?: Touch };
  };
}

/** `analytics_storage` as the event states it (a boolean, or Google's `'granted'` / `'denied'`), or `undefined` when it does not. */
const statedConsent = (e: Obj): boolean | undefined => consentSignal(obj(obj(e['context'])?.['consent'])?.['analytics_storage']);

/**
 * The event with the request's user agent as its visitor's (`context.userAgent`) when it names
 * none: this endpoint is called by the visitor's browser (or by the site helper, which forwards the
 * visitor's), so its agent is the visitor's, and bot detection judges it (event-row.ts).
 */
function withVisitorAgent(e: Obj | undefined, ua: string | undefined): Obj | undefined {
  if (!e || !ua) return e;
  const ctx = e['context'];
  if (ctx === undefined) return { ...e, context: { userAgent: ua } };
  const c = obj(ctx);
  // a context that is not an object is left for validation to refuse
  return c && c['userAgent'] === undefined ? { ...e, context: { ...c, userAgent: ua } } : e;
}

/**
 * The tracker endpoint, framework-free. How it differs from `/v1/batch`:
 * - identity is the server's: the visitor id comes from the `HttpOnly` cookie (issued here when
 *   absent, with consent, never to a bot) and overrides every event's `anonymousId`;
 * - each consented event's landing goes through the protocol's touch rules against the visitor's
 *   state in the touch store, and every event is stamped with the authoritative
 *   `context.touches` (what the browser claimed, when it differs, is kept as
 *   `context.client_touches`), so the warehouse's `first_*` / `last_*` are right even when the
 *   browser forgot (Safari's 7-day storage cap) or lied;
 * - the answer carries `anonymousId` and `touches.{first,last}` for the tracker's cache, and a
 *   `Set-Cookie` that slides the cookie (or expires it when `analytics_storage` is withdrawn).
 */
export async function receiveTrackerBatch(req: TrackerRequest, deps: TrackerBatchDeps): Promise<TrackerAnswer> {
  const batch = req.body['batch'];
  if (!Array.isArray(batch)) {
    const reason = '`batch` must be an array of events';
    await deps.quarantine(req.facts, req.body, reason);
    throw new ClientError(400, 'invalid_batch', reason, { field: 'batch', quarantined: true });
  }
  const ua = req.facts.userAgent;
  const events = batch.map((e) => withVisitorAgent(obj(e), ua));
  // Link-preview fetchers and crawlers: stored (flagged is_bot by the row builder), but never a
  // visitor id and never a touch. The site helper forwards the visitor's agent in context.userAgent.
  const bot = events.some((e) => isbot(String(obj(e?.['context'])?.['userAgent'] ?? ua ?? '')) || !(obj(e?.['context'])?.['userAgent'] ?? ua));
  const granted = (e: Obj) => statedConsent(e) ?? !deps.requireConsent;
  const latest = events.reduce<boolean | undefined>((c, e) => (e ? (statedConsent(e) ?? c) : c), undefined);
  const withdrawn = latest === false;

  const cookieId = readVisitorId(req.cookieHeader, deps.cookie.name);
  const mayIssue = !bot && !withdrawn && events.some((e) => e && granted(e));
  const id = cookieId ?? (mayIssue ? deps.newId() : undefined);

  // The visitor's touches, with each consented event applied in order (arrivals start touches and
  // sessions, other activity keeps the session open); the state after each event is what that
  // event is stamped with.
  const states =
    id && !bot
      ? await applyToVisitors(deps.store, events.map((e) => e && { visitorId: id, event: e, at: eventTime(e, req.facts), apply: granted(e) }), deps.rules)
      : undefined;
  const after = states?.after ?? [];
  // The answer carries the state as stored — redacted by the ingest rules — not the page's own
  // URL as computed: the tracker caches it and sends it back as its claim with later events.
  const state = id ? states?.stored.get(id) : undefined;

  const stamped = batch.map((raw, i) => {
    const e = events[i];
    return e && id ? stamp(e, id, after[i]) : (e ?? raw);
  });

  const r = await deps.ingest(stamped, req.facts);
  const kept = r.accepted + r.duplicates;
  const ctx = { host: req.host, secure: req.secure };
  const setCookie = withdrawn ? expiredVisitorCookie(ctx, deps.cookie) : id && !bot && mayIssue ? visitorCookie(id, ctx, deps.cookie) : undefined;
  const body: TrackerAnswer['body'] = { success: batch.length === 0 || kept > 0, accepted: r.accepted, duplicates: r.duplicates, rejected: r.rejected };
  if (id && !bot && !withdrawn && state) {
    body.anonymousId = id;
    body.touches = {};
    if (state.first) body.touches.first = state.first;
    if (state.last) body.touches.last = state.last;
  }
  return { status: batch.length > 0 && kept === 0 ? 400 : 200, setCookie, body };
}

/**
 * The event as stored: the visitor id from the cookie, and the server's touches (the browser's
 * claim kept as `client_touches` when it differs).
 */
function stamp(e: Obj, id: string, s: TouchState | undefined): Obj {
  const out: Obj = { ...e, anonymousId: id };
  // an alias from the tracker names its own (cached) anonymous id: that is this visitor
  if (e['type'] === 'alias' && e['previousId'] === e['anonymousId']) out['previousId'] = id;
  return withTouches(out, s);
}
