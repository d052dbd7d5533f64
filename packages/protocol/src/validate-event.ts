import { EVENT_TYPES, type EventContext, type EventType, type JsonObject, type SegmentEvent } from './event.js';

export type Validation =
  | { readonly ok: true; readonly event: SegmentEvent }
  | { readonly ok: false; readonly reason: string; readonly field: string };

const TYPES = new Set<string>(EVENT_TYPES);
/** Ids longer than this are refused: no real id is, and they bloat every index. */
export const MAX_ID_LENGTH = 512;
/** Event, page and category names longer than this are refused. */
export const MAX_NAME_LENGTH = 1024;
// Four-digit years only: the warehouses and ISO-8601 agree on those, and a spooled row must load.
const CANONICAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

const fail = (field: string, reason: string): Validation => ({ ok: false, field, reason });

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

type Step = (raw: JsonObject, out: SegmentEvent) => Validation | undefined;

function id(field: 'messageId' | 'anonymousId' | 'userId' | 'groupId' | 'previousId'): Step {
  return (raw, out) => {
    const v = raw[field];
    if (v === undefined || v === null) return undefined;
    let s: string;
    if (typeof v === 'string') s = v;
    else if (typeof v === 'number' && Number.isFinite(v)) s = String(v);
    else return fail(field, `\`${field}\` must be a string (got ${kind(v)})`);
    if (s.length > MAX_ID_LENGTH) return fail(field, `\`${field}\` is longer than ${MAX_ID_LENGTH} characters`);
    if (s.length > 0) out[field] = s;
    return undefined;
  };
}

function text(field: 'event' | 'name' | 'category'): Step {
  return (raw, out) => {
    const v = raw[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') return fail(field, `\`${field}\` must be a string (got ${kind(v)})`);
    if (v.length > MAX_NAME_LENGTH) return fail(field, `\`${field}\` is longer than ${MAX_NAME_LENGTH} characters`);
    if (v.length > 0) out[field] = v;
    return undefined;
  };
}

function object(field: 'properties' | 'traits' | 'context' | 'integrations'): Step {
  return (raw, out) => {
    const v = raw[field];
    if (v === undefined || v === null) return undefined;
    if (!isObject(v)) return fail(field, `\`${field}\` must be an object (got ${kind(v)})`);
    if (field !== 'context') out[field] = v;
    // The sender's context is kept whole; only its being an object is checked here, so the cast
    // names the parts Touchline reads, not a shape this step has verified.
    else out.context = v as EventContext;
    return undefined;
  };
}

/** Parses an ISO-8601 time; `undefined` when absent, `null` when invalid. */
export function parseIsoTime(v: unknown): string | undefined | null {
  if (v === undefined || v === null || v === '') return undefined;
  // Fast path: what every SDK sends (Date#toISOString) is returned as it is, once it is a real date.
  if (typeof v === 'string' && v.length === 24 && CANONICAL.test(v)) {
    const ms = Date.parse(v); // lenient about the day of the month: checked against the result
    return Number.isFinite(ms) && new Date(ms).getUTCDate() === Number(v.slice(8, 10)) ? v : null;
  }
  if (typeof v !== 'string' || !ISO_DATE.test(v)) return null;
  const ms = Date.parse(v.length === 10 ? v + 'T00:00:00Z' : v);
  if (!Number.isFinite(ms)) return null;
  const iso = new Date(ms).toISOString();
  return iso.length === 24 ? iso : null;
}

function time(field: 'timestamp' | 'originalTimestamp' | 'sentAt', target: 'timestamp' | 'sentAt'): Step {
  return (raw, out) => {
    const t = parseIsoTime(raw[field]);
    if (t === null) return fail(field, `\`${field}\` must be an ISO-8601 date-time string (got ${kind(raw[field])})`);
    if (t !== undefined && out[target] === undefined) out[target] = t;
    return undefined;
  };
}

const STEPS: readonly Step[] = [
  id('messageId'),
  id('anonymousId'),
  id('userId'),
  id('groupId'),
  id('previousId'),
  text('event'),
  text('name'),
  text('category'),
  time('timestamp', 'timestamp'),
  time('originalTimestamp', 'timestamp'),
  time('sentAt', 'sentAt'),
  object('properties'),
  object('traits'),
  object('context'),
  object('integrations'),
];

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * Validates one event against the Segment spec and returns it normalised, or the reason it is
 * refused and the field at fault. `type` is the endpoint's type (`/v1/track`); in a batch each
 * event names its own.
 */
export function validateEvent(raw: unknown, endpointType?: EventType): Validation {
  if (!isObject(raw)) return fail('', `an event must be a JSON object (got ${kind(raw)})`);
  const type = endpointType ?? raw['type'];
  if (typeof type !== 'string' || !TYPES.has(type)) {
    return fail('type', `\`type\` must be one of ${EVENT_TYPES.join(', ')} (got ${JSON.stringify(type) ?? 'nothing'})`);
  }
  const out: SegmentEvent = { type: type as EventType };
  for (const step of STEPS) {
    const bad = step(raw, out);
    if (bad) return bad;
  }
  if (!out.userId && !out.anonymousId) {
    return fail('userId', 'one of `userId` or `anonymousId` is required');
  }
  switch (out.type) {
    case 'track':
      if (!out.event) return fail('event', '`event` is required on track calls');
      break;
    case 'group':
      if (!out.groupId) return fail('groupId', '`groupId` is required on group calls');
      break;
    case 'alias':
      if (!out.previousId) return fail('previousId', '`previousId` is required on alias calls');
      if (!out.userId) return fail('userId', '`userId` is required on alias calls');
      break;
    default:
      break;
  }
  return { ok: true, event: out };
}
