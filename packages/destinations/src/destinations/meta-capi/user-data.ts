import type { Row } from '../../contract/row.js';
import { readString, readTime } from '../../contract/row-values.js';
import { normalizeEmailForMeta } from '../../normalize/email.js';
import {
  normalizeCityForMeta,
  normalizeCountryForMeta,
  normalizeNameForMeta,
  normalizeStateForMeta,
  normalizeZipForMeta,
} from '../../normalize/name-address.js';
import { normalizePhoneForMeta } from '../../normalize/phone.js';
import { hashNormalized } from '../../normalize/sha256.js';
import { buildFbc, FBC_MAX_AGE_MS, FBC_PATTERN, fbcCreationTime, FBP_PATTERN } from './fbc.js';
import type { MetaUserData } from './payload.js';

const PREHASHED = /^[0-9a-fA-F]{64}$/;

/** Normalise-then-hash one column; a pre-hashed value passes through (Meta SDK rule, §2.4). */
function hashed(row: Row, column: string, normalize: (raw: string) => string | null): string[] | undefined {
  const raw = readString(row, column);
  if (raw === undefined) return undefined;
  const n = PREHASHED.test(raw) ? raw : normalize(raw);
  return n ? [hashNormalized(n)] : undefined;
}

/**
 * The fbc to send: the cookie value when well formed; else built from fbclid + its click time.
 * Never fabricated: without a click time there is no fbc. A click more than 90 days before the
 * event, or after it, is not sent (Meta flags expired fbc values in diagnostics).
 */
export function metaFbc(row: Row, eventTimeMs: number): string | undefined {
  const cookie = readString(row, 'fbc');
  const fbclid = readString(row, 'fbclid');
  const clickAt = readTime(row, 'fbclid_at');
  const fbc = cookie && FBC_PATTERN.test(cookie) ? cookie : fbclid && clickAt !== undefined ? buildFbc(fbclid, clickAt) : undefined;
  if (fbc === undefined) return undefined;
  const created = fbcCreationTime(fbc);
  if (created === undefined || created > eventTimeMs || eventTimeMs - created > FBC_MAX_AGE_MS) return undefined;
  return fbc;
}

/** Customer information parameters, normalised per Meta's rules and hashed (§2.4). */
export function metaUserData(row: Row, eventTimeMs: number, defaultCountry: string | undefined): MetaUserData {
  const country = readString(row, 'country');
  const countryNorm = country ? normalizeCountryForMeta(country) : null;
  const fields: MetaUserData = {
    em: hashed(row, 'email', normalizeEmailForMeta),
    ph: hashed(row, 'phone', (p) => normalizePhoneForMeta(p, defaultCountry)),
    fn: hashed(row, 'first_name', normalizeNameForMeta),
    ln: hashed(row, 'last_name', normalizeNameForMeta),
    ct: hashed(row, 'city', normalizeCityForMeta),
    st: hashed(row, 'state', normalizeStateForMeta),
    zp: hashed(row, 'zip', (z) => normalizeZipForMeta(z, countryNorm)),
    country: hashed(row, 'country', normalizeCountryForMeta),
    // Hashing recommended; trimmed only, so it matches the pixel's external_id byte for byte.
    external_id: hashed(row, 'external_id', (x) => x.trim() || null),
    client_ip_address: readString(row, 'client_ip_address'),
    client_user_agent: readString(row, 'client_user_agent'),
    fbc: metaFbc(row, eventTimeMs),
    fbp: ((v) => (v && FBP_PATTERN.test(v) ? v : undefined))(readString(row, 'fbp')),
  } as MetaUserData;
  // exactOptionalPropertyTypes: drop the keys that came out undefined.
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as MetaUserData;
}
