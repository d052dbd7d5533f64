import type { MapEnv } from '../../contract/context.js';
import { eventTimeWithin, hashedColumn } from '../../contract/map-helpers.js';
import { mapped, refuse, type MapOutcome } from '../../contract/result.js';
import type { Row } from '../../contract/row.js';
import { readNumber, readString, readTime } from '../../contract/row-values.js';
import { normalizeEmailForMeta } from '../../normalize/email.js';
import type { LinkedinConversionsConfig } from './config.js';
import type { LinkedinConversionEvent } from './payload.js';

const DAY = 86_400_000;

export const linkedinConversionsColumns = {
  event_id: 'required: the dedup key (eventId, shared with the Insight Tag)',
  conversion_time: 'required: when it happened; at most 90 days old',
  li_fat_id: 'optional: the li_fat_id click id, sent unhashed',
  email: 'optional: raw or SHA-256; trimmed, lowercased, hashed (SHA256_EMAIL)',
  first_name: 'optional, with last_name: userInfo (both or neither)', last_name: 'optional',
  company: 'optional: userInfo.companyName', title: 'optional', country_code: 'optional: ISO alpha-2',
  conversion_value: 'optional: non-negative number', currency: 'required with conversion_value: ISO 4217',
  consent_ad_user_data: 'required granted', gpc: 'when set the row is never sent',
} as const;

/** The value as LinkedIn wants it: a decimal string, no exponent, at most 2 decimals kept as given. */
const amount = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(2).replace(/0+$/, '').replace(/\.$/, ''));

/**
 * Maps a row to a conversion event (§4.2): `urn:lla:llaPartnerConversion:{rule}`, time in epoch
 * ms within 90 days, li_fat_id raw and e-mail SHA-256 as user ids, userInfo only with both names,
 * value amount as a string. Dedup key: rule + eventId.
 */
export function mapLinkedinConversion(row: Row, config: LinkedinConversionsConfig, env: MapEnv): MapOutcome<LinkedinConversionEvent> {
  const eventId = readString(row, 'event_id');
  if (!eventId) return refuse('MISSING_EVENT_ID', 'event_id is required: LinkedIn dedups on it, and a resend must count once', 'event_id');
  const at = readTime(row, 'conversion_time');
  const late = eventTimeWithin(at, 'conversion_time', env.now, 90 * DAY, 5 * 60_000, 'LinkedIn');
  if (late) return { ok: false, rejection: late };
  const email = hashedColumn(row, 'email', normalizeEmailForMeta);
  if (email.problem) return { ok: false, rejection: email.problem };
  const fat = readString(row, 'li_fat_id');
  const userIds: LinkedinConversionEvent['user']['userIds'] = [
    ...(email.value ? [{ idType: 'SHA256_EMAIL' as const, idValue: email.value }] : []),
    ...(fat ? [{ idType: 'LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID' as const, idValue: fat }] : []),
  ];
  const first = readString(row, 'first_name');
  const last = readString(row, 'last_name');
  if ((first === undefined) !== (last === undefined)) {
    return refuse('INCOMPLETE_USER_INFO', 'userInfo needs both first_name and last_name (LinkedIn answers 422 otherwise)', first === undefined ? 'first_name' : 'last_name');
  }
  const company = readString(row, 'company');
  const title = readString(row, 'title');
  const country = readString(row, 'country_code')?.toUpperCase();
  if (country !== undefined && !/^[A-Z]{2}$/.test(country)) return refuse('INVALID_COUNTRY_CODE', `country_code "${country}" is not ISO alpha-2`, 'country_code');
  const userInfo = first && last ? { firstName: first, lastName: last, ...(company ? { companyName: company } : {}), ...(title ? { title } : {}), ...(country ? { countryCode: country } : {}) } : undefined;
  if (userIds.length === 0 && !userInfo) return refuse('NO_USER_IDS', 'row has no li_fat_id, email, or first_name + last_name', 'li_fat_id');
  const value = row['conversion_value'] == null ? undefined : readNumber(row, 'conversion_value');
  if (row['conversion_value'] != null && (value === undefined || value < 0)) return refuse('INVALID_CONVERSION_VALUE', 'conversion_value must be a non-negative number', 'conversion_value');
  const currency = readString(row, 'currency')?.toUpperCase();
  if (value !== undefined && (currency === undefined || !/^[A-Z]{3}$/.test(currency))) return refuse('INVALID_CURRENCY', 'a conversion_value needs an ISO 4217 currency', 'currency');
  return mapped(`${config.conversionRuleId}:${eventId}`, {
    conversion: `urn:lla:llaPartnerConversion:${config.conversionRuleId}`,
    conversionHappenedAt: at!,
    ...(value !== undefined ? { conversionValue: { currencyCode: currency!, amount: amount(value) } } : {}),
    eventId,
    user: { userIds, ...(userInfo ? { userInfo } : {}) },
  });
}
