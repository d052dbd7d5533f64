import type { Row } from '../../contract/row.js';
import { readString } from '../../contract/row-values.js';
import { normalizeEmailForGoogle } from '../../normalize/email.js';
import {
  normalizeFamilyNameForGoogle,
  normalizeGivenNameForGoogle,
  normalizePostalCodeForGoogle,
  normalizeRegionCode,
} from '../../normalize/name-address.js';
import { toE164 } from '../../normalize/phone.js';
import { hashNormalized } from '../../normalize/sha256.js';
import type { DataManagerUserIdentifier } from './payload.js';

const PREHASHED = /^[0-9a-fA-F]{64}$/;

/** Identifiers built from a row, and the columns that held values Google could not use. */
export interface IdentifierResult {
  readonly identifiers: DataManagerUserIdentifier[];
  readonly unusable: string[];
}

/**
 * Builds Data Manager user identifiers, normalised per Google's "Format user data" guide and
 * SHA-256 hex encoded (the request says `encoding: HEX`). A column holding a 64-hex value is
 * taken as already hashed. Region and postal code travel unhashed, as AddressInfo documents.
 */
export function googleUserIdentifiers(row: Row, defaultCountry: string | undefined): IdentifierResult {
  const identifiers: DataManagerUserIdentifier[] = [];
  const unusable: string[] = [];
  const email = readString(row, 'email');
  if (email !== undefined) {
    const normalized = PREHASHED.test(email) ? email : normalizeEmailForGoogle(email);
    if (normalized) identifiers.push({ emailAddress: hashNormalized(normalized) });
    else unusable.push('email');
  }
  const phone = readString(row, 'phone');
  if (phone !== undefined) {
    const normalized = PREHASHED.test(phone) ? phone : toE164(phone, defaultCountry);
    if (normalized) identifiers.push({ phoneNumber: hashNormalized(normalized) });
    else unusable.push('phone');
  }
  const given = readString(row, 'first_name');
  const family = readString(row, 'last_name');
  const region = readString(row, 'country_code');
  const postal = readString(row, 'postal_code');
  if (given !== undefined || family !== undefined || postal !== undefined) {
    const g = given && (PREHASHED.test(given) ? given : normalizeGivenNameForGoogle(given));
    const f = family && (PREHASHED.test(family) ? family : normalizeFamilyNameForGoogle(family));
    const r = region && normalizeRegionCode(region);
    const p = postal && normalizePostalCodeForGoogle(postal);
    // AddressInfo requires all four parts.
    if (g && f && r && p) {
      identifiers.push({ address: { givenName: hashNormalized(g), familyName: hashNormalized(f), regionCode: r, postalCode: p } });
    } else unusable.push('first_name/last_name/country_code/postal_code');
  }
  return { identifiers, unusable };
}
