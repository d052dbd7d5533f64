import { consentSignal, parseIsoTime, type SegmentEvent, type TouchState } from '@touchline/protocol';
import { correctedTimestamp, type RequestFacts } from '../collector/event-row.js';
import type { TouchStamping } from '../collector/touch-stamping.js';
import { JUNK_ID_MAX_LENGTH, junkIdValues } from '../identity/junk-ids.js';
import type { TouchStore } from './touch-store.js';
import { applyEvent, type TouchRulesConfig } from './visitor-touches.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined);

/** One event for a visitor's touch state. */
export interface VisitorEvent {
  readonly visitorId: string;
  readonly event: object;
  /** When it happened, on the server's clock ({@link eventTime}). */
  readonly at: string;
  /** False: stamped with the visitor's state, but changes nothing (consent not granted). */
  readonly apply: boolean;
}

/** What {@link applyToVisitors} returns. */
export interface VisitorStates {
  /** The state after each event (`undefined` where no visitor was named): what it is stamped with. */
  readonly after: (TouchState | undefined)[];
  /** Each visitor's state as the store keeps it afterwards (redacted when the store redacts). */
  readonly stored: ReadonlyMap<string, TouchState>;
}

/**
 * Applies events to their visitors' states in the touch store — one atomic update per visitor,
 * its events in the order given, all visitors in one `updateMany`. Arrivals start touches and
 * sessions; other activity keeps the session open (visitor-touches.ts `applyEvent`).
 */
export async function applyToVisitors(store: TouchStore, items: readonly (VisitorEvent | undefined)[], rules: TouchRulesConfig): Promise<VisitorStates> {
  const after: (TouchState | undefined)[] = items.map(() => undefined);
  const byVisitor = new Map<string, number[]>();
  items.forEach((it, i) => {
    if (!it) return;
    const list = byVisitor.get(it.visitorId);
    if (list) list.push(i);
    else byVisitor.set(it.visitorId, [i]);
  });
  const visitors = [...byVisitor];
  const kept = await store.updateMany(
    visitors.map(([id, indexes]) => [
      id,
      (prev: TouchState) => {
        let s = prev;
        for (const i of indexes) {
          const it = items[i]!;
          if (it.apply) s = applyEvent(s, it.event, it.at, rules);
          after[i] = s;
        }
        return s;
      },
    ]),
  );
  return { after, stored: new Map(visitors.map(([id], k) => [id, kept[k]!])) };
}

/** The state after each event of {@link applyToVisitors} (`undefined` where no visitor was named). */
export async function statesAfter(store: TouchStore, items: readonly (VisitorEvent | undefined)[], rules: TouchRulesConfig): Promise<(TouchState | undefined)[]> {
  return (await applyToVisitors(store, items, rules)).after;
}

const touchesOf = (s: TouchState): Obj => {
  const t: Obj = {};
  if (s.first) t['first'] = s.first;
  if (s.last) t['last'] = s.last;
  if (s.session) t['session'] = s.session;
  return t;
};
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * The event with the server's touches in `context.touches` (which fill the warehouse's `first_*`
 * / `last_*`); what the client claimed, when it differs, is kept as `context.client_touches`. A
 * context that is not an object is left for validation to refuse.
 */
export function withTouches<E extends object>(e: E, s: TouchState | undefined): E {
  const ctx = obj((e as Obj)['context']);
  if (!s || (!ctx && (e as Obj)['context'] !== undefined)) return e;
  const claimed = obj(ctx?.['touches']);
  const server = touchesOf(s);
  // a visitor with no touch yet (an identify before any arrival): nothing to stamp
  if (Object.keys(server).length === 0 && !claimed) return e;
  const differs = claimed && (!same(claimed['first'], server['first']) || !same(claimed['last'], server['last']));
  return { ...e, context: { ...ctx, touches: server, ...(differs ? { client_touches: claimed } : {}) } };
}

/** When the event happened, on the server's clock (Segment's sentAt correction), never in the future. */
export function eventTime(e: object, facts: RequestFacts): string {
  const original = parseIsoTime((e as Obj)['timestamp']) ?? undefined;
  const sentAt = parseIsoTime((e as Obj)['sentAt']) ?? facts.sentAt;
  const t = Date.parse(correctedTimestamp(original, sentAt, facts.receivedAt));
  const received = Date.parse(facts.receivedAt);
  return new Date(Number.isFinite(t) ? Math.min(t, received) : received).toISOString();
}

/**
 * `eventTime` for a request's validated events, with the request's clock read once. Validation
 * already made `timestamp` canonical (`Date#toISOString`, 24 characters), so without any `sentAt`
 * to correct by, the time is the earlier of it and the receipt, and two canonical times compare
 * as text: no date is parsed or formatted per event (it was a fifth of touch stamping). Anything
 * else takes `eventTime` itself (test/collector/event-time.test.ts compares the two).
 */
export function validatedEventTimes(req: RequestFacts): (e: SegmentEvent) => string {
  const received = Date.parse(req.receivedAt);
  const receivedIso = Number.isFinite(received) ? new Date(received).toISOString() : '';
  const fast = receivedIso.length === 24 && req.sentAt === undefined;
  return (e) => {
    if (!fast || e.sentAt !== undefined) return eventTime(e, req);
    const t = e.timestamp;
    if (t === undefined) return receivedIso;
    if (t.length !== 24 || t.charCodeAt(23) !== 90 /* Z */) return eventTime(e, req);
    return t <= receivedIso ? t : receivedIso;
  };
}

/** A usable visitor id: not a junk id (`undefined`, `null`, `anonymous`…), which would fold strangers into one state. */
function visitorIdTest(extraJunkIds: readonly string[]): (id: string | undefined) => id is string {
  const junk = new Set(junkIdValues(extraJunkIds));
  return (id): id is string => id !== undefined && (id.length > JUNK_ID_MAX_LENGTH || !junk.has(id.replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, '').toLowerCase()));
}

/**
 * Touch stamping for every door but the tracker endpoint (which owns its visitor id and consent,
 * see tracker-batch.ts): the Segment API, `touchline import`, and whatever ingests through the
 * collector. The visitor is the event's anonymous id — the same touch store, so a visitor the
 * tracker knows under its cookie id is the same state when a server sends that id. An event
 * stating `analytics_storage` denied is stamped with the state but changes nothing.
 */
export function createTouchStamping(store: TouchStore, rules: TouchRulesConfig, extraJunkIds: readonly string[] = []): TouchStamping {
  const usable = visitorIdTest(extraJunkIds);
  return {
    async stamp(events, bots, req) {
      const timeOf = validatedEventTimes(req);
      const items = events.map((e, i): VisitorEvent | undefined => {
        if (bots[i] || !usable(e.anonymousId)) return undefined;
        const apply = consentSignal(e.context?.consent?.analytics_storage) !== false;
        return { visitorId: e.anonymousId, event: e, at: timeOf(e), apply };
      });
      if (items.every((it) => it === undefined)) return events;
      const states = await statesAfter(store, items, rules);
      return events.map((e, i) => (items[i] ? withTouches(e, states[i]) : e));
    },
  };
}
