import type { Rejection } from '../contract/result.js';
import type { Row } from '../contract/row.js';

/** The row columns the guard reads (the warehouse exposes the person's latest consent state). */
export const CONSENT_COLUMNS = {
  /** Consent Mode v2 `ad_user_data` (`@touchline/protocol` ConsentState). */
  adUserData: 'consent_ad_user_data',
  /** Consent Mode v2 `ad_personalization`; forwarded to Google, not required to send. */
  adPersonalization: 'consent_ad_personalization',
  /** Global Privacy Control (`Sec-GPC: 1` / `navigator.globalPrivacyControl`). */
  gpc: 'gpc',
} as const;

/** Reads a consent-ish value: `true`, `"granted"`, `1`, `"yes"` -> true; the opposites -> false. */
export function readFlag(value: unknown): boolean | undefined {
  if (value === true || value === 1) return true;
  if (value === false || value === 0) return false;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (['true', '1', 'yes', 'granted', 'consent_granted'].includes(v)) return true;
    if (['false', '0', 'no', 'denied', 'consent_denied'].includes(v)) return false;
  }
  return undefined;
}

/**
 * The consent guard for ad networks: nothing about a person goes to an ad network unless the row
 * records `ad_user_data` consent as granted and Global Privacy Control is not set. A missing or
 * unreadable consent value is *not* consent. Returns the rejection, or `null` when the row may go.
 */
export function adConsentRejection(row: Row): Rejection | null {
  if (readFlag(row[CONSENT_COLUMNS.gpc]) === true) {
    return {
      code: 'GPC_OPT_OUT',
      reason: 'the person has Global Privacy Control set (column gpc); not sent to an ad network',
      field: CONSENT_COLUMNS.gpc,
    };
  }
  const consent = readFlag(row[CONSENT_COLUMNS.adUserData]);
  if (consent === true) return null;
  return {
    code: consent === false ? 'CONSENT_DENIED' : 'CONSENT_MISSING',
    reason:
      consent === false
        ? 'the person denied ad_user_data consent (column consent_ad_user_data); not sent to an ad network'
        : 'no ad_user_data consent recorded (column consent_ad_user_data is empty or unreadable); not sent to an ad network',
    field: CONSENT_COLUMNS.adUserData,
  };
}
