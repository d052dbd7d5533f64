import { CLICK_IDS } from '@touchline/protocol';

/** Google Ads click ids, in the click-id registry's precedence order (gclid, gbraid, wbraid). */
export const GOOGLE_CLICK_IDS = CLICK_IDS.filter((e) => e.network === 'google_ads').map((e) => e.column);

/** The row columns the Google Data Manager destination reads. */
export const googleDataManagerColumns = {
  gclid: 'Google click id from the landing URL, byte for byte',
  gbraid: 'iOS app-measured click id (used when there is no gclid)',
  wbraid: 'iOS web-measured click id (used when there is neither gclid nor gbraid)',
  conversion_time: 'when the conversion happened (timestamp, ISO string or epoch)',
  click_time: 'optional: when the click happened; conversions before it or more than 90 days after it are rejected',
  transaction_id: 'order / lead id; the dedup key (required when the row has no click id)',
  conversion_value: 'optional: non-negative number',
  currency: 'optional: ISO 4217 code (else config defaultCurrency)',
  email: 'optional: raw or SHA-256 email; normalised the Google way, then hashed',
  phone: 'optional: raw or SHA-256 phone; normalised to E.164, then hashed',
  first_name: 'optional, with last_name, country_code, postal_code: the address identifier',
  last_name: 'optional: see first_name',
  country_code: 'optional: ISO-3166-1 alpha-2',
  postal_code: 'optional: see first_name',
  consent_ad_user_data: 'required granted: Consent Mode ad_user_data',
  consent_ad_personalization: 'optional: Consent Mode ad_personalization',
  gpc: 'Global Privacy Control; when set the row is never sent',
} as const;
