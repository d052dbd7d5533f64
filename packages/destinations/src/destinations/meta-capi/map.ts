import type { MapEnv } from '../../contract/context.js';
import { mapped, refuse, type MapOutcome } from '../../contract/result.js';
import type { Row } from '../../contract/row.js';
import { readNumber, readString, readTime } from '../../contract/row-values.js';
import { META_ACTION_SOURCES, type MetaCapiConfig } from './config.js';
import type { MetaServerEvent } from './payload.js';
import { metaUserData } from './user-data.js';

const DAY = 86_400_000;
/** Future times are refused by Meta; a minute of clock skew is tolerated. */
const FUTURE_SKEW_MS = 60_000;
/** Identifiers Meta can match a person on (IP + UA only count together). */
const MATCH_KEYS = ['em', 'ph', 'external_id', 'fbc', 'fbp'] as const;

/**
 * Maps a row to a Conversions API server event. Pure. Enforces before sending what would make
 * Meta refuse the *whole* batch (§2.2-§2.3): event_time within 7 days (62 for physical_store) and
 * not in the future, website events with event_source_url and client_user_agent, Purchase with
 * value and currency, at least one customer identifier. The dedup key is event_name + event_id,
 * as Meta dedups server and pixel events (§2.5).
 */
export function mapMetaCapi(row: Row, config: MetaCapiConfig, env: MapEnv): MapOutcome<MetaServerEvent> {
  const eventId = readString(row, 'event_id');
  if (!eventId) return refuse('MISSING_EVENT_ID', 'event_id is required: Meta dedups server and pixel events on it', 'event_id');
  const eventName = readString(row, 'event_name') ?? config.defaultEventName;
  const at = readTime(row, 'event_time');
  if (at === undefined) return refuse('INVALID_EVENT_TIME', 'event_time is missing or not a timestamp', 'event_time');
  const actionSource = readString(row, 'action_source') ?? config.actionSource;
  if (!(META_ACTION_SOURCES as readonly string[]).includes(actionSource)) {
    return refuse('INVALID_ACTION_SOURCE', `action_source "${actionSource}" is not one of ${META_ACTION_SOURCES.join(', ')}`, 'action_source');
  }
  const maxAgeDays = actionSource === 'physical_store' ? 62 : 7;
  if (env.now - at > maxAgeDays * DAY) {
    return refuse('EVENT_TOO_OLD', `event_time is more than ${maxAgeDays} days old; Meta refuses it (subcode 2804003)`, 'event_time');
  }
  if (at > env.now + FUTURE_SKEW_MS) return refuse('EVENT_IN_FUTURE', 'event_time is in the future', 'event_time');

  const sourceUrl = readString(row, 'event_source_url');
  const userData = metaUserData(row, at, config.defaultCountry);
  if (actionSource === 'website') {
    if (!sourceUrl) return refuse('MISSING_EVENT_SOURCE_URL', 'website events need event_source_url', 'event_source_url');
    if (!userData.client_user_agent) {
      return refuse('MISSING_CLIENT_USER_AGENT', 'website events need client_user_agent', 'client_user_agent');
    }
  }
  const hasMatchKey = MATCH_KEYS.some((k) => userData[k] !== undefined) || (userData.client_ip_address && userData.client_user_agent);
  if (!hasMatchKey) {
    return refuse('NO_CUSTOMER_INFORMATION', 'row has no email, phone, external_id, fbc/fbclid+fbclid_at, fbp or IP + user agent', 'email');
  }

  const value = row['value'] == null ? undefined : readNumber(row, 'value');
  if (row['value'] != null && value === undefined) return refuse('INVALID_VALUE', 'value must be a number', 'value');
  const currency = readString(row, 'currency')?.toUpperCase();
  if (currency !== undefined && !/^[A-Z]{3}$/.test(currency)) {
    return refuse('INVALID_CURRENCY', `currency "${currency}" is not an ISO 4217 code`, 'currency');
  }
  if (eventName === 'Purchase' && (value === undefined || currency === undefined)) {
    return refuse('MISSING_VALUE_FOR_PURCHASE', 'Purchase events need value and currency (Meta subcode 2804009)', value === undefined ? 'value' : 'currency');
  }
  const orderId = readString(row, 'order_id');
  const customData = {
    ...(value !== undefined ? { value } : {}),
    ...(currency !== undefined ? { currency } : {}),
    ...(orderId !== undefined ? { order_id: orderId } : {}),
  };
  const event: MetaServerEvent = {
    event_name: eventName,
    event_time: Math.floor(at / 1000),
    event_id: eventId,
    action_source: actionSource,
    ...(sourceUrl ? { event_source_url: sourceUrl } : {}),
    user_data: userData,
    ...(Object.keys(customData).length ? { custom_data: customData } : {}),
  };
  return mapped(`${eventName}:${eventId}`, event);
}
