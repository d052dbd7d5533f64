import { createHash } from 'node:crypto';
import { defined, idOf, isObj, objOf, strOf, type Obj } from '../json-values.js';
import { refuse, type Mapping } from '../mapped-batch.js';
import { providerTime } from './postback-time.js';

/**
 * One AppsFlyer Push API message (JSON POST, one event each) as a Segment event. An install,
 * re-install, re-engagement or re-attribution is an **arrival** — a `screen` named after it, whose
 * `context.campaign` is the attributed touch: `media_source` → utm_source, `af_channel` →
 * utm_medium, `campaign` → utm_campaign, `af_c_id` → utm_id, `af_ad` → utm_content,
 * `af_keywords` → utm_term; the attribution link's `original_url`, where sent, is the landing
 * (its click ids: `ttclid`, `fbclid`, `gclid`…). In-app events are tracks named `event_name`
 * with `event_value` as properties. `appsflyer_id` is the anonymous id, `customer_user_id` the
 * user id — the app sets it at sign-in, and from then on its events join the person.
 */

/** Segment field → AppsFlyer's, for reasons and `failed_events.field`. */
export const APPSFLYER_FIELDS: Readonly<Record<string, string>> = {
  anonymousId: 'appsflyer_id',
  userId: 'customer_user_id',
  event: 'event_name',
  name: 'event_type',
  timestamp: 'event_time',
  properties: 'event_value',
  '': 'event_name',
};

const ARRIVALS: Readonly<Record<string, string>> = {
  install: 'Install',
  'install-in-app-event': 'Install',
  reinstall: 'Reinstall',
  're-engagement': 'Re-engagement',
  're-attribution': 'Re-attribution',
};

const ORGANIC = new Set(['organic', 'Organic', '']);

/** AppsFlyer sends `event_value` as a JSON string (sometimes an object, or empty). */
function eventValue(v: unknown): Obj | undefined | Mapping {
  if (v === undefined || v === null || v === '') return undefined;
  if (isObj(v)) return v;
  if (typeof v !== 'string') return refuse('event_value', '`event_value` must be a JSON object or a string of one');
  try {
    const parsed: unknown = JSON.parse(v);
    if (isObj(parsed)) return parsed;
  } catch {
    /* answered below */
  }
  return refuse('event_value', '`event_value` must be a JSON object or a string of one');
}

/** The same postback sent twice (AppsFlyer retries) has the same id. */
function messageIdOf(p: Obj): string {
  const parts = [p['appsflyer_id'], p['event_type'], p['event_name'], p['event_time'], p['event_revenue']];
  return 'af-' + createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

export function mapAppsFlyer(raw: unknown): Mapping {
  if (!isObj(raw)) return refuse('event_name', 'a postback must be a JSON object');
  const anonymousId = idOf(raw['appsflyer_id']);
  if (!anonymousId) return refuse('appsflyer_id', '`appsflyer_id` is required');
  const eventType = strOf(raw['event_type']) ?? '';
  const eventName = strOf(raw['event_name']);
  const arrival = ARRIVALS[eventType] ?? (eventName ? ARRIVALS[eventName] : undefined);
  if (!arrival && !eventName) return refuse('event_name', '`event_name` is required on an in-app event');
  const timestamp = providerTime(raw['event_time']);
  if (timestamp === null) return refuse('event_time', '`event_time` must be "yyyy-MM-dd HH:mm:ss(.SSS)" (UTC) or ISO-8601');
  const value = eventValue(raw['event_value']);
  if (value && 'ok' in value && typeof value['ok'] === 'boolean') return value as Mapping;
  const source = strOf(raw['media_source']);
  const attributed = source !== undefined && !ORGANIC.has(source);
  const attribution = defined({
    media_source: source, campaign: strOf(raw['campaign']), af_c_id: strOf(raw['af_c_id']), af_adset: strOf(raw['af_adset']), af_ad: strOf(raw['af_ad']),
    af_channel: strOf(raw['af_channel']), attributed_touch_type: strOf(raw['attributed_touch_type']), attributed_touch_time: strOf(raw['attributed_touch_time']),
  });
  const revenue = Number(raw['event_revenue']);
  return {
    ok: true,
    event: defined({
      type: arrival ? 'screen' : 'track',
      name: arrival,
      event: arrival ? undefined : eventName,
      anonymousId,
      userId: idOf(raw['customer_user_id']),
      messageId: strOf(raw['event_id']) ?? messageIdOf(raw),
      timestamp,
      properties: defined({
        ...(arrival ? attribution : value as Obj | undefined),
        revenue: !arrival && Number.isFinite(revenue) && raw['event_revenue'] !== '' && raw['event_revenue'] != null ? revenue : undefined,
        currency: arrival ? undefined : strOf(raw['event_revenue_currency']),
        platform: strOf(raw['platform']),
        app_id: strOf(raw['app_id']),
      }),
      context: defined({
        userAgent: strOf(raw['user_agent']),
        ip: strOf(raw['ip']),
        locale: strOf(raw['language']),
        library: defined({ name: 'appsflyer-push-api', version: strOf(raw['sdk_version']) }),
        campaign: arrival && attributed ? defined({ source, medium: strOf(raw['af_channel']), name: strOf(raw['campaign']), id: strOf(raw['af_c_id']), content: strOf(raw['af_ad']), term: strOf(raw['af_keywords']) }) : undefined,
        page: arrival && strOf(raw['original_url']) ? { url: strOf(raw['original_url']) } : undefined,
        device: defined({ model: strOf(raw['device_model']), os_version: strOf(raw['os_version']), idfv: strOf(raw['idfv']), advertising_id: strOf(raw['advertising_id']) ?? strOf(raw['idfa']) }),
        appsflyer: arrival ? undefined : objOf(attribution),
      }),
    }),
  };
}
