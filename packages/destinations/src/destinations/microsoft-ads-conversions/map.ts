import type { MapEnv } from '../../contract/context.js';
import { eventTimeWithin, hashedColumn, hashedE164 } from '../../contract/map-helpers.js';
import { mapped, refuse, type MapOutcome } from '../../contract/result.js';
import type { Row } from '../../contract/row.js';
import { readNumber, readString, readTime } from '../../contract/row-values.js';
import { normalizeEmailForMeta } from '../../normalize/email.js';
import type { MicrosoftAdsConversionsConfig } from './config.js';
import type { MicrosoftOfflineConversion } from './payload.js';

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export const microsoftAdsConversionsColumns = {
  msclkid: 'the Microsoft click id from the landing URL, sent as is (required unless email or phone is given)',
  conversion_time: 'required: when it happened; after the click and at most 90 days old',
  click_time: 'optional: when the click happened; a conversion before it is rejected',
  conversion_name: 'optional: the offline conversion goal (else config conversionName)',
  conversion_value: 'optional: non-negative number', currency: 'optional: ISO 4217',
  email: 'optional: raw or SHA-256; trimmed, lowercased, hashed (enhanced conversions)',
  phone: 'optional: raw or SHA-256; E.164, hashed',
  consent_ad_user_data: 'required granted', gpc: 'when set the row is never sent',
} as const;

/**
 * Maps a row to an `OfflineConversion` (§5.1): msclkid raw, time in UTC ISO-8601 within the
 * 90-day window and after the click, hashed e-mail / phone for enhanced conversions. Dedup key:
 * goal + click id + conversion time, Microsoft's own rule (later copies are ignored).
 */
export function mapMicrosoftConversion(row: Row, config: MicrosoftAdsConversionsConfig, env: MapEnv): MapOutcome<MicrosoftOfflineConversion> {
  const at = readTime(row, 'conversion_time');
  const late = eventTimeWithin(at, 'conversion_time', env.now, 90 * DAY, 5 * 60_000, 'Microsoft Advertising');
  if (late) return { ok: false, rejection: late };
  const clickAt = readTime(row, 'click_time');
  if (clickAt !== undefined && at! < clickAt) return refuse('CONVERSION_BEFORE_CLICK', 'conversion_time is before click_time', 'conversion_time');
  const click = readString(row, 'msclkid');
  const email = hashedColumn(row, 'email', normalizeEmailForMeta);
  const phone = hashedE164(row, 'phone', config.defaultCountry);
  const bad = email.problem ?? phone.problem;
  if (bad) return { ok: false, rejection: bad };
  if (!click && !email.value && !phone.value) return refuse('MISSING_CLICK_ID', 'row has no msclkid, email or phone', 'msclkid');
  const value = row['conversion_value'] == null ? undefined : readNumber(row, 'conversion_value');
  if (row['conversion_value'] != null && (value === undefined || value < 0)) return refuse('INVALID_CONVERSION_VALUE', 'conversion_value must be a non-negative number', 'conversion_value');
  const currency = (readString(row, 'currency') ?? config.defaultCurrency)?.toUpperCase();
  if (currency !== undefined && !/^[A-Z]{3}$/.test(currency)) return refuse('INVALID_CURRENCY', `currency "${currency}" is not an ISO 4217 code`, 'currency');
  const goal = readString(row, 'conversion_name') ?? config.conversionName;
  const time = iso(at!);
  const who = click ?? `email:${email.value ?? phone.value}`;
  return mapped(`${goal}|${who}|${time}`, {
    ...(click ? { MicrosoftClickId: click } : {}),
    ConversionName: goal,
    ConversionTime: time,
    ...(value !== undefined ? { ConversionValue: value } : {}),
    ...(currency ? { ConversionCurrencyCode: currency } : {}),
    ...(email.value ? { HashedEmailAddress: email.value } : {}),
    ...(phone.value ? { HashedPhoneNumber: phone.value } : {}),
  });
}
