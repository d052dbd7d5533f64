import { readFlag } from '../../consent/consent-guard.js';
import type { MapEnv } from '../../contract/context.js';
import { eventTimeWithin, hashedColumn, hashedE164 } from '../../contract/map-helpers.js';
import { mapped, refuse, type MapOutcome } from '../../contract/result.js';
import type { Row } from '../../contract/row.js';
import { readNumber, readString, readTime } from '../../contract/row-values.js';
import { normalizeEmailForGoogle } from '../../normalize/email.js';
import { GOOGLE_CLICK_IDS } from '../google-data-manager/columns.js';
import type { GoogleAdsClickConversionsConfig } from './config.js';
import type { GoogleAdsClickConversion } from './payload.js';

const DAY = 86_400_000;

/** `yyyy-mm-dd hh:mm:ss+00:00`, the Google Ads form with the mandatory offset (§1.4). */
export const googleAdsDateTime = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}+00:00`;

export const googleAdsClickConversionsColumns = {
  gclid: 'Google click id, sent as is (one of gclid, gbraid, wbraid, or email/phone)',
  gbraid: 'iOS app-measured click id', wbraid: 'iOS web-measured click id',
  conversion_time: 'required: after the click, inside the 90-day window',
  click_time: 'optional: conversions before it are rejected',
  transaction_id: 'orderId, the dedup key (required without a click id)',
  conversion_value: 'optional: non-negative number', currency: 'optional: ISO 4217',
  email: 'optional: Google-normalised, hashed (hashedEmail)', phone: 'optional: E.164, hashed',
  consent_ad_user_data: 'required granted', consent_ad_personalization: 'optional', gpc: 'when set the row is never sent',
} as const;

/**
 * Maps a row to a ClickConversion (§1.4-§1.6): one click id by registry precedence, the
 * conversion action resource name, the date-time with its offset, hashed identifiers (max 5),
 * consent. Dedup key: orderId, else click id + time, per action (§1.6).
 */
export function mapGoogleAdsClickConversion(row: Row, config: GoogleAdsClickConversionsConfig, env: MapEnv): MapOutcome<GoogleAdsClickConversion> {
  const at = readTime(row, 'conversion_time');
  const late = eventTimeWithin(at, 'conversion_time', env.now, 90 * DAY, 5 * 60_000, 'Google Ads (EXPIRED_EVENT)');
  if (late) return { ok: false, rejection: late };
  const clickAt = readTime(row, 'click_time');
  if (clickAt !== undefined && at! < clickAt) return refuse('CONVERSION_PRECEDES_EVENT', 'conversion_time is before click_time', 'conversion_time');
  const click = GOOGLE_CLICK_IDS.map((c) => [c, readString(row, c)] as const).find(([, v]) => v !== undefined);
  const email = hashedColumn(row, 'email', normalizeEmailForGoogle);
  const phone = hashedE164(row, 'phone', config.defaultCountry);
  const bad = email.problem ?? phone.problem;
  if (bad) return { ok: false, rejection: bad };
  const userIdentifiers = [
    ...(email.value ? [{ userIdentifierSource: 'FIRST_PARTY' as const, hashedEmail: email.value }] : []),
    ...(phone.value ? [{ userIdentifierSource: 'FIRST_PARTY' as const, hashedPhoneNumber: phone.value }] : []),
  ];
  if (!click && userIdentifiers.length === 0) return refuse('NO_IDENTIFIERS_PROVIDED', 'row has no gclid, gbraid, wbraid, email or phone', 'gclid');
  const orderId = readString(row, 'transaction_id');
  if (!click && !orderId) return refuse('MISSING_TRANSACTION_ID', 'a conversion without a click id needs transaction_id (orderId), so a resend is counted once', 'transaction_id');
  const value = row['conversion_value'] == null ? undefined : readNumber(row, 'conversion_value');
  if (row['conversion_value'] != null && (value === undefined || value < 0)) return refuse('INVALID_CONVERSION_VALUE', 'conversion_value must be a non-negative number', 'conversion_value');
  const currency = (readString(row, 'currency') ?? config.defaultCurrency)?.toUpperCase();
  if (currency !== undefined && !/^[A-Z]{3}$/.test(currency)) return refuse('INVALID_CURRENCY_CODE', `currency "${currency}" is not an ISO 4217 code`, 'currency');
  const personalization = readFlag(row['consent_ad_personalization']);
  const dateTime = googleAdsDateTime(at!);
  return mapped(orderId ?? `${click![0]}:${click![1]}:${dateTime}`, {
    ...(click ? { [click[0]]: click[1] } : {}),
    conversionAction: `customers/${config.customerId}/conversionActions/${config.conversionActionId}`,
    conversionDateTime: dateTime,
    ...(value !== undefined ? { conversionValue: value } : {}),
    ...(currency ? { currencyCode: currency } : {}),
    ...(orderId ? { orderId } : {}),
    ...(userIdentifiers.length ? { userIdentifiers } : {}),
    consent: { adUserData: 'GRANTED', ...(personalization === undefined ? {} : { adPersonalization: personalization ? 'GRANTED' : 'DENIED' }) },
  });
}
