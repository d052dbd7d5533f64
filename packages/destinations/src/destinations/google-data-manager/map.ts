import { mapped, refuse, type MapOutcome } from '../../contract/result.js';
import type { MapEnv } from '../../contract/context.js';
import type { Row } from '../../contract/row.js';
import { readNumber, readString, readTime } from '../../contract/row-values.js';
import { readFlag } from '../../consent/consent-guard.js';
import { GOOGLE_CLICK_IDS } from './columns.js';
import type { GoogleDataManagerConfig } from './config.js';
import type { DataManagerEvent } from './payload.js';
import { googleUserIdentifiers } from './user-identifiers.js';

const DAY = 86_400_000;
/** Clock skew tolerated for conversion times slightly in the future. */
const FUTURE_SKEW_MS = 5 * 60_000;

/** RFC 3339 in UTC, whole seconds when the milliseconds are zero (`2026-11-20T19:05:00Z`). */
export const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

type Refusal = MapOutcome<never>;

/** The conversion time, inside the click-through window and after the click, or the refusal. */
function conversionTime(row: Row, config: GoogleDataManagerConfig, env: MapEnv): number | Refusal {
  const at = readTime(row, 'conversion_time');
  if (at === undefined) {
    return refuse('INVALID_EVENT_TIME', 'conversion_time is missing or not a timestamp', 'conversion_time');
  }
  if (at > env.now + FUTURE_SKEW_MS) {
    return refuse('EVENT_IN_FUTURE', `conversion_time ${rfc3339(at)} is in the future`, 'conversion_time');
  }
  if (env.now - at > config.maxConversionAgeDays * DAY) {
    return refuse(
      'EXPIRED_EVENT',
      `conversion_time ${rfc3339(at)} is more than ${config.maxConversionAgeDays} days old; Google accepts conversions only inside the click-through window`,
      'conversion_time',
    );
  }
  const clickAt = readTime(row, 'click_time');
  if (clickAt !== undefined && at < clickAt) {
    return refuse('CONVERSION_PRECEDES_EVENT', 'conversion_time is before click_time', 'conversion_time');
  }
  if (clickAt !== undefined && at - clickAt > 90 * DAY) {
    return refuse('EXPIRED_EVENT', 'the click is more than 90 days before the conversion', 'click_time');
  }
  return at;
}

/** The conversion value (non-negative) and its ISO 4217 currency, or the refusal. */
function valueAndCurrency(row: Row, config: GoogleDataManagerConfig): { value?: number; currency?: string } | Refusal {
  const value = row['conversion_value'] == null ? undefined : readNumber(row, 'conversion_value');
  if (row['conversion_value'] != null && (value === undefined || value < 0)) {
    return refuse('INVALID_CONVERSION_VALUE', 'conversion_value must be a non-negative number', 'conversion_value');
  }
  const currency = (readString(row, 'currency') ?? config.defaultCurrency)?.toUpperCase();
  if (currency !== undefined && !/^[A-Z]{3}$/.test(currency)) {
    return refuse('INVALID_CURRENCY_CODE', `currency "${currency}" is not an ISO 4217 code`, 'currency');
  }
  return { ...(value !== undefined ? { value } : {}), ...(currency !== undefined ? { currency } : {}) };
}

const isRefusal = (v: unknown): v is Refusal => typeof v === 'object' && v !== null && 'ok' in v && v.ok === false;

/**
 * Maps a conversion row to a Data Manager `Event`. Pure. Rules (activation-contracts.md §1.5,
 * §1.6, §1.11): at most one click id (gclid, else gbraid, else wbraid: Google refuses
 * gbraid and wbraid together, and the registry's precedence picks one); at least one identifier;
 * RFC 3339 event time within the click-through window; the transaction id is the dedup key.
 */
export function mapGoogleDataManager(row: Row, config: GoogleDataManagerConfig, env: MapEnv): MapOutcome<DataManagerEvent> {
  const at = conversionTime(row, config, env);
  if (isRefusal(at)) return at;
  const click = GOOGLE_CLICK_IDS.map((c) => [c, readString(row, c)] as const).find(([, v]) => v !== undefined);
  const { identifiers, unusable } = googleUserIdentifiers(row, config.defaultCountry);
  if (!click && identifiers.length === 0) {
    const why = unusable.length ? ` (${unusable.join(', ')} could not be normalised)` : '';
    return refuse('NO_IDENTIFIERS_PROVIDED', `row has no gclid, gbraid, wbraid, email, phone or full address${why}`, unusable[0] ?? 'gclid');
  }
  const money = valueAndCurrency(row, config);
  if (isRefusal(money)) return money;
  const eventTimestamp = rfc3339(at);
  const transactionId = readString(row, 'transaction_id');
  if (!transactionId && !click) {
    return refuse('MISSING_TRANSACTION_ID', 'a conversion without a click id needs transaction_id, so a resend is counted once', 'transaction_id');
  }
  const personalization = readFlag(row['consent_ad_personalization']);
  const event: DataManagerEvent = {
    destinationReferences: [config.destinationReference],
    ...(transactionId ? { transactionId } : {}),
    eventTimestamp,
    eventSource: config.eventSource,
    ...(click ? { adIdentifiers: { [click[0]]: click[1] } } : {}),
    ...(identifiers.length ? { userData: { userIdentifiers: identifiers.slice(0, 10) } } : {}),
    consent: {
      adUserData: 'CONSENT_GRANTED',
      ...(personalization === undefined ? {} : { adPersonalization: personalization ? 'CONSENT_GRANTED' : 'CONSENT_DENIED' }),
    },
    ...(money.value !== undefined ? { conversionValue: money.value } : {}),
    ...(money.currency !== undefined ? { currency: money.currency } : {}),
  };
  // Google's dedup: one conversion per transaction id per action; else click id + time (§1.6).
  const dedupKey = transactionId ?? `${click![0]}:${click![1]}:${eventTimestamp}`;
  return mapped(dedupKey, event);
}
