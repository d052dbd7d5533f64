/**
 * Name and address normalisation, per vendor.
 *
 * Google Data Manager AddressInfo (developers.google.com/data-manager/api/devguides/concepts/formatting):
 * given_name lowercase without prefixes such as "Mrs.", family_name lowercase without suffixes
 * such as "Jr.", both trimmed then SHA-256; region_code the ISO-3166-1 alpha-2 code and
 * postal_code as written, both sent unhashed.
 *
 * Meta (customer information parameters; activation-contracts.md §2.4): fn/ln lowercase without
 * punctuation; ct lowercase without spaces or punctuation; st 2-letter lowercase; zp lowercase
 * without spaces or dashes, US first 5 digits; country ISO alpha-2 lowercase; all SHA-256.
 */

const NAME_PREFIXES = /^(mr|mrs|ms|miss|mx|dr|prof|sir|dame)\.?\s+/i;
const NAME_SUFFIXES = /[,\s]+(jr|sr|ii|iii|iv|v|vi|2nd|3rd|cpa|dds|dvm|esq|jd|md|phd)\.?$/i;

const clean = (value: string): string => value.trim().replace(/\s+/g, ' ');

export function normalizeGivenNameForGoogle(raw: string): string | null {
  const v = clean(raw).replace(NAME_PREFIXES, '').toLowerCase();
  return v === '' ? null : v;
}

export function normalizeFamilyNameForGoogle(raw: string): string | null {
  const v = clean(raw).replace(NAME_SUFFIXES, '').toLowerCase();
  return v === '' ? null : v;
}

/** ISO-3166-1 alpha-2, upper case as Google's examples write it; `null` when not two letters. */
export function normalizeRegionCode(raw: string): string | null {
  const v = raw.trim().toUpperCase();
  return /^[A-Z]{2}$/.test(v) ? v : null;
}

export function normalizePostalCodeForGoogle(raw: string): string | null {
  const v = clean(raw);
  return v === '' ? null : v;
}

/** Letters (any script) and digits only, lowercase: Meta's fn, ln and ct rule. */
const lettersOnly = (raw: string): string =>
  raw.normalize('NFC').toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');

export function normalizeNameForMeta(raw: string): string | null {
  const v = lettersOnly(raw);
  return v === '' ? null : v;
}

export const normalizeCityForMeta = normalizeNameForMeta;

export function normalizeStateForMeta(raw: string): string | null {
  const v = lettersOnly(raw);
  return /^[a-z]{2}$/.test(v) ? v : null;
}

export function normalizeZipForMeta(raw: string, country?: string | null): string | null {
  let v = raw.trim().toLowerCase().replace(/[\s-]/g, '');
  if (country === 'us' && /^\d{5,}$/.test(v)) v = v.slice(0, 5);
  return v === '' ? null : v;
}

export function normalizeCountryForMeta(raw: string): string | null {
  const v = raw.trim().toLowerCase();
  return /^[a-z]{2}$/.test(v) ? v : null;
}
