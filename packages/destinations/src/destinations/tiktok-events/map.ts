import type { MapEnv } from '../../contract/context.js';
import { eventTimeWithin, hashedColumn, hashedE164 } from '../../contract/map-helpers.js';
import { mapped, refuse, type MapOutcome } from '../../contract/result.js';
import type { Row } from '../../contract/row.js';
import { readNumber, readString, readTime } from '../../contract/row-values.js';
import { normalizeEmailForMeta } from '../../normalize/email.js';
import type { TiktokEventsConfig } from './config.js';
import type { TiktokEvent } from './payload.js';

const DAY = 86_400_000;

export const tiktokEventsColumns = {
  event_id: 'required: the dedup key shared with the pixel (event + event_id, 48 h)',
  event: 'optional: CompletePayment, SubmitForm, ... (else config defaultEvent)',
  event_time: 'required: when it happened; at most maxEventAgeDays old',
  ttclid: 'optional: the ttclid from the landing URL, sent as is',
  ttp: 'optional: the _ttp cookie, sent as is',
  email: 'optional: raw or SHA-256; trimmed, lowercased, hashed',
  phone: 'optional: raw or SHA-256; E.164 with +, hashed',
  external_id: 'optional: lowercased, hashed',
  client_ip_address: 'optional', client_user_agent: 'optional',
  page_url: 'optional', referrer_url: 'optional',
  value: 'optional: number', currency: 'optional: ISO 4217', order_id: 'optional',
  consent_ad_user_data: 'required granted', gpc: 'when set the row is never sent',
} as const;

/**
 * Maps a row to an Events API 2.0 event (§3.2): ttclid raw; email (trim, lowercase), phone
 * (E.164 with `+`) and external_id (lowercase) SHA-256 hex; event_time in seconds; at least one
 * way to match the person. Dedup key: event + event_id (§3.3).
 */
export function mapTiktokEvent(row: Row, config: TiktokEventsConfig, env: MapEnv): MapOutcome<TiktokEvent> {
  const eventId = readString(row, 'event_id');
  if (!eventId) return refuse('MISSING_EVENT_ID', 'event_id is required: TikTok dedups pixel and server events on it', 'event_id');
  const at = readTime(row, 'event_time');
  const late = eventTimeWithin(at, 'event_time', env.now, config.maxEventAgeDays * DAY, 5 * 60_000, 'TikTok');
  if (late) return { ok: false, rejection: late };
  const email = hashedColumn(row, 'email', normalizeEmailForMeta);
  const phone = hashedE164(row, 'phone', config.defaultCountry);
  const external = hashedColumn(row, 'external_id', (x) => x.trim().toLowerCase() || null);
  const bad = email.problem ?? phone.problem ?? external.problem;
  if (bad) return { ok: false, rejection: bad };
  const ip = readString(row, 'client_ip_address');
  const ua = readString(row, 'client_user_agent');
  const user: TiktokEvent['user'] = {
    ...(readString(row, 'ttclid') ? { ttclid: readString(row, 'ttclid')! } : {}),
    ...(readString(row, 'ttp') ? { ttp: readString(row, 'ttp')! } : {}),
    ...(email.value ? { email: [email.value] } : {}),
    ...(phone.value ? { phone: [phone.value] } : {}),
    ...(external.value ? { external_id: [external.value] } : {}),
    ...(ip ? { ip } : {}),
    ...(ua ? { user_agent: ua } : {}),
  };
  if (!user.ttclid && !user.ttp && !user.email && !user.phone && !user.external_id && !(ip && ua)) {
    return refuse('NO_CUSTOMER_INFORMATION', 'row has no ttclid, ttp, email, phone, external_id or IP + user agent', 'ttclid');
  }
  const value = row['value'] == null ? undefined : readNumber(row, 'value');
  if (row['value'] != null && (value === undefined || value < 0)) return refuse('INVALID_VALUE', 'value must be a non-negative number', 'value');
  const currency = readString(row, 'currency')?.toUpperCase();
  if (currency !== undefined && !/^[A-Z]{3}$/.test(currency)) return refuse('INVALID_CURRENCY', `currency "${currency}" is not an ISO 4217 code`, 'currency');
  const orderId = readString(row, 'order_id');
  const properties = { ...(value !== undefined ? { value } : {}), ...(currency ? { currency } : {}), ...(orderId ? { order_id: orderId } : {}) };
  const pageUrl = readString(row, 'page_url');
  const referrer = readString(row, 'referrer_url');
  const event = readString(row, 'event') ?? config.defaultEvent;
  return mapped(`${event}:${eventId}`, {
    event,
    event_time: Math.floor(at! / 1000),
    event_id: eventId,
    user,
    ...(Object.keys(properties).length ? { properties } : {}),
    ...(pageUrl || referrer ? { page: { ...(pageUrl ? { url: pageUrl } : {}), ...(referrer ? { referrer } : {}) } } : {}),
  });
}
