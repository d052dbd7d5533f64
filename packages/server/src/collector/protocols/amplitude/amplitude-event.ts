import { createHash } from 'node:crypto';
import { MAX_ID_LENGTH, MAX_NAME_LENGTH } from '@touchline/protocol';
import { defined, isObj, isoFromMs, objOf, strOf, type Obj } from '../json-values.js';
import { refuse, type Mapping } from '../mapped-batch.js';

/**
 * One Amplitude event (HTTP V2 / Batch API) as a Segment event. The table is docs/ingest.md's:
 * `event_type` → `event` (`$identify` → identify, `[Amplitude] Page Viewed` → page),
 * `user_id` / `device_id` → userId / anonymousId, `event_properties` → properties,
 * `user_properties` → traits (identify) or `context.traits`, `time` (ms) → timestamp,
 * `insert_id` → messageId, `user_agent` → context.userAgent (the visitor's, not the SDK's).
 */

/** How Amplitude files a refused event in its 400 body (`events_with_<kind>_fields`). */
export type AmplitudeFault = 'missing' | 'invalid' | 'id_length';

export type AmplitudeMapping = Mapping & { readonly fault?: AmplitudeFault };

/** Segment field → the Amplitude field it came from, for reasons and `failed_events.field`. */
export const AMPLITUDE_FIELDS: Readonly<Record<string, string>> = {
  userId: 'user_id',
  anonymousId: 'device_id',
  event: 'event_type',
  name: 'event_type',
  properties: 'event_properties',
  traits: 'user_properties',
  messageId: 'insert_id',
  timestamp: 'time',
  context: 'event',
  '': 'event',
};

/** Amplitude's browser SDK page view and its properties (plugin-page-view-tracking-browser). */
export const AMPLITUDE_PAGE_VIEW = '[Amplitude] Page Viewed';
const PAGE_LOCATION = '[Amplitude] Page Location';
const PAGE_TITLE = '[Amplitude] Page Title';
const PAGE_PATH = '[Amplitude] Page Path';

/** Amplitude's own event fields that the row or the context already holds. */
const MAPPED = new Set([
  'event_type', 'user_id', 'device_id', 'event_properties', 'user_properties', 'time', 'insert_id',
  'user_agent', 'ip', 'session_id', 'language', 'library', 'extra',
]);

const bad = (field: string, reason: string, fault: AmplitudeFault = 'invalid'): AmplitudeMapping => ({ ...refuse(field, reason), fault });

/** An id as Amplitude takes it (string or number), with Amplitude's minimum length. */
function idOf(e: Obj, field: 'user_id' | 'device_id', minLength: number): string | undefined | AmplitudeMapping {
  const v = e[field];
  if (v === undefined || v === null || v === '') return undefined;
  const s = typeof v === 'number' && Number.isFinite(v) ? String(v) : v;
  if (typeof s !== 'string') return bad(field, `\`${field}\` must be a string (got ${kindOf(v)})`);
  if (s.length < minLength) return bad(field, `\`${field}\` is shorter than ${minLength} characters (options.min_id_length)`, 'id_length');
  if (s.length > MAX_ID_LENGTH) return bad(field, `\`${field}\` is longer than ${MAX_ID_LENGTH} characters`, 'id_length');
  return s;
}

const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** `"amplitude-ts/2.48.1"` → `{ name, version }`. */
function libraryOf(v: unknown): Obj | undefined {
  const s = strOf(v);
  if (!s) return undefined;
  const i = s.lastIndexOf('/');
  return i > 0 ? { name: s.slice(0, i), version: s.slice(i + 1) } : { name: s };
}

/**
 * Without `insert_id`, Amplitude deduplicates on device id + event id + client time; Touchline
 * derives its message id from the same three, so a retried batch from a client that sets no
 * `insert_id` is still stored once. Without all three, the event gets a fresh id.
 */
function fallbackMessageId(e: Obj): string | undefined {
  const parts = [e['device_id'], e['event_id'], e['time']];
  if (!parts.every((p) => typeof p === 'string' || (typeof p === 'number' && Number.isFinite(p)))) return undefined;
  return 'amp-' + createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

/** `user_properties` of an identify as traits: `$set` (and `$setOnce`) values, plus plain keys. */
function identifyTraits(up: Obj | undefined): Obj | undefined {
  if (!up) return undefined;
  const plain = Object.fromEntries(Object.entries(up).filter(([k]) => !k.startsWith('$')));
  const traits = { ...objOf(up['$setOnce']), ...plain, ...objOf(up['$set']) };
  return Object.keys(traits).length > 0 ? traits : undefined;
}

function pageOf(props: Obj | undefined): Obj | undefined {
  if (!props) return undefined;
  const page = defined({ url: strOf(props[PAGE_LOCATION]), title: strOf(props[PAGE_TITLE]), path: strOf(props[PAGE_PATH]), referrer: strOf(props['referrer']) });
  return Object.keys(page).length > 0 ? page : undefined;
}

export function mapAmplitudeEvent(raw: unknown, minIdLength: number): AmplitudeMapping {
  if (!isObj(raw)) return bad('event', `an event must be a JSON object (got ${kindOf(raw)})`);
  const eventType = raw['event_type'];
  if (eventType === undefined || eventType === null || eventType === '') return bad('event_type', '`event_type` is required', 'missing');
  if (typeof eventType !== 'string') return bad('event_type', `\`event_type\` must be a string (got ${kindOf(eventType)})`);
  if (eventType.length > MAX_NAME_LENGTH) return bad('event_type', `\`event_type\` is longer than ${MAX_NAME_LENGTH} characters`);
  const userId = idOf(raw, 'user_id', minIdLength);
  if (typeof userId === 'object') return userId;
  const deviceId = idOf(raw, 'device_id', minIdLength);
  if (typeof deviceId === 'object') return deviceId;
  if (!userId && !deviceId) return bad('user_id', 'one of `user_id` or `device_id` is required', 'missing');
  for (const f of ['event_properties', 'user_properties'] as const) {
    if (raw[f] !== undefined && raw[f] !== null && !isObj(raw[f])) return bad(f, `\`${f}\` must be an object (got ${kindOf(raw[f])})`);
  }
  let timestamp: string | undefined;
  if (raw['time'] !== undefined && raw['time'] !== null) {
    const t = isoFromMs(raw['time']);
    if (t === null) return bad('time', `\`time\` must be milliseconds since the epoch (got ${JSON.stringify(raw['time'])?.slice(0, 40) ?? kindOf(raw['time'])})`);
    timestamp = t;
  }
  const insertId = raw['insert_id'];
  if (insertId !== undefined && insertId !== null && (typeof insertId !== 'string' || insertId.length > MAX_ID_LENGTH)) {
    return bad('insert_id', `\`insert_id\` must be a string of at most ${MAX_ID_LENGTH} characters`);
  }
  const props = objOf(raw['event_properties']);
  const userProps = objOf(raw['user_properties']);
  const type = eventType === '$identify' ? 'identify' : eventType === AMPLITUDE_PAGE_VIEW ? 'page' : 'track';
  const ip = strOf(raw['ip']);
  const rest = Object.fromEntries(Object.entries(raw).filter(([k]) => !MAPPED.has(k)));
  const context = defined({
    userAgent: strOf(raw['user_agent']),
    // `$remote` asks Amplitude to use the request's address: the collector does that already.
    ip: ip && ip !== '$remote' ? ip : undefined,
    locale: strOf(raw['language']),
    sessionId: typeof raw['session_id'] === 'number' && raw['session_id'] > 0 ? raw['session_id'] : undefined,
    library: libraryOf(raw['library']),
    page: type === 'page' ? pageOf(props) : undefined,
    traits: type === 'identify' ? undefined : userProps,
    amplitude: Object.keys(rest).length > 0 || (type === 'identify' && userProps) ? defined({ ...rest, user_properties: type === 'identify' ? userProps : undefined }) : undefined,
  });
  const event = defined({
    type,
    event: type === 'track' ? eventType : undefined,
    name: type === 'page' ? strOf(props?.[PAGE_TITLE]) : undefined,
    userId,
    anonymousId: deviceId,
    messageId: typeof insertId === 'string' && insertId !== '' ? insertId : fallbackMessageId(raw),
    timestamp,
    properties: type === 'identify' ? undefined : props,
    traits: type === 'identify' ? identifyTraits(userProps) : undefined,
    context,
  });
  return { ok: true, event };
}
