import { MAX_ID_LENGTH, MAX_NAME_LENGTH, parseIsoTime } from '@touchline/protocol';
import { defined, idOf, isObj, objOf, strOf, type Obj } from '../json-values.js';
import { refuse, type Mapping } from '../mapped-batch.js';

/**
 * One PostHog capture event as a Segment event (docs/ingest.md has the table). PostHog has one id,
 * `distinct_id`: an anonymous one until `$identify`, the user's after. posthog-js also sends the
 * browser's own `$device_id`, so an event whose `distinct_id` differs from it is the user's
 * (userId) on that device (anonymousId); otherwise `distinct_id` is the anonymous id.
 */

/** Segment field → PostHog's, for reasons and `failed_events.field`. */
export const POSTHOG_FIELDS: Readonly<Record<string, string>> = {
  userId: 'distinct_id',
  anonymousId: 'distinct_id',
  event: 'event',
  name: 'properties.$screen_name',
  properties: 'properties',
  traits: '$set',
  messageId: 'uuid',
  timestamp: 'timestamp',
  groupId: 'properties.$group_key',
  previousId: 'distinct_id',
  context: 'properties',
  '': 'event',
};

/** Properties that go to columns or the context, or must not be stored (the write key). */
const MOVED = new Set(['token', '$set', '$set_once', '$raw_user_agent', '$ip', '$session_id', '$lib', '$lib_version', '$current_url', '$referrer', '$title', '$pathname', 'distinct_id', '$browser_language']);

const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

function id(v: unknown, field: string): string | undefined | Mapping {
  if (v === undefined || v === null || v === '') return undefined;
  const s = idOf(v);
  if (s === undefined) return refuse(field, `\`${field}\` must be a string (got ${kindOf(v)})`);
  if (s.length > MAX_ID_LENGTH) return refuse(field, `\`${field}\` is longer than ${MAX_ID_LENGTH} characters`);
  return s;
}

/** The ids of the event, by its kind. */
function idsOf(event: string, distinct: string, props: Obj): { userId?: string | undefined; anonymousId?: string | undefined; previousId?: string | undefined } | Mapping {
  const device = id(props['$device_id'], 'properties.$device_id');
  if (typeof device === 'object') return device;
  if (event === '$identify') {
    const anon = id(props['$anon_distinct_id'], 'properties.$anon_distinct_id');
    if (typeof anon === 'object') return anon;
    return { userId: distinct, anonymousId: anon ?? (device !== distinct ? device : undefined) };
  }
  if (event === '$create_alias') {
    const alias = id(props['alias'], 'properties.alias');
    if (typeof alias === 'object') return alias;
    if (!alias) return refuse('properties.alias', '`properties.alias` is required on $create_alias');
    return { userId: alias, previousId: distinct };
  }
  return device && device !== distinct ? { userId: distinct, anonymousId: device } : { anonymousId: distinct };
}

function typeOf(event: string): 'identify' | 'page' | 'screen' | 'alias' | 'group' | 'track' {
  switch (event) {
    case '$identify':
      return 'identify';
    case '$pageview':
      return 'page';
    case '$screen':
      return 'screen';
    case '$create_alias':
      return 'alias';
    case '$groupidentify':
      return 'group';
    default:
      return 'track';
  }
}

const traitsOf = (raw: Obj, props: Obj): Obj | undefined => {
  const t = { ...objOf(props['$set_once']), ...objOf(raw['$set_once']), ...objOf(props['$set']), ...objOf(raw['$set']) };
  return Object.keys(t).length > 0 ? t : undefined;
};

export function mapPostHogEvent(raw: unknown): Mapping {
  if (!isObj(raw)) return refuse('event', `an event must be a JSON object (got ${kindOf(raw)})`);
  const event = raw['event'];
  if (typeof event !== 'string' || event === '') return refuse('event', `\`event\` must be a non-empty string (got ${kindOf(event)})`);
  if (event.length > MAX_NAME_LENGTH) return refuse('event', `\`event\` is longer than ${MAX_NAME_LENGTH} characters`);
  if (raw['properties'] !== undefined && raw['properties'] !== null && !isObj(raw['properties'])) {
    return refuse('properties', `\`properties\` must be an object (got ${kindOf(raw['properties'])})`);
  }
  const props = objOf(raw['properties']) ?? {};
  const distinct = id(raw['distinct_id'] ?? props['distinct_id'] ?? raw['$distinct_id'], 'distinct_id');
  if (typeof distinct === 'object') return distinct;
  if (!distinct) return refuse('distinct_id', '`distinct_id` is required (top level or in `properties`)');
  const ids = idsOf(event, distinct, props);
  if ('ok' in ids) return ids;
  const timestamp = parseIsoTime(raw['timestamp']);
  if (timestamp === null) return refuse('timestamp', `\`timestamp\` must be an ISO-8601 date-time string (got ${kindOf(raw['timestamp'])})`);
  const uuid = id(raw['uuid'], 'uuid');
  if (typeof uuid === 'object') return uuid;
  const type = typeOf(event);
  const traits = traitsOf(raw, props);
  const page = defined({ url: strOf(props['$current_url']), referrer: strOf(props['$referrer']) === '$direct' ? undefined : strOf(props['$referrer']), title: strOf(props['title']) ?? strOf(props['$title']), path: strOf(props['$pathname']) });
  const rest = Object.fromEntries(Object.entries(props).filter(([k]) => !MOVED.has(k)));
  const sessionId = strOf(props['$session_id']);
  const lib = strOf(props['$lib']);
  const isGroup = type === 'group';
  return {
    ok: true,
    event: defined({
      type,
      event: type === 'track' ? event : undefined,
      name: type === 'screen' ? strOf(props['$screen_name']) : type === 'page' ? page['title'] : undefined,
      ...ids,
      groupId: isGroup ? idOf(props['$group_key']) : undefined,
      messageId: uuid,
      timestamp,
      properties: type === 'identify' || type === 'alias' || isGroup || Object.keys(rest).length === 0 ? undefined : rest,
      traits: type === 'identify' ? traits : isGroup ? objOf(props['$group_set']) : undefined,
      context: defined({
        userAgent: strOf(props['$raw_user_agent']),
        ip: strOf(props['$ip']),
        locale: strOf(props['$browser_language']),
        sessionId,
        library: lib ? defined({ name: lib, version: strOf(props['$lib_version']) }) : undefined,
        page: Object.keys(page).length > 0 ? page : undefined,
        traits: type === 'identify' ? undefined : traits,
      }),
    }),
  };
}
