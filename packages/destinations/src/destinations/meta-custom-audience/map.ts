import type { MapEnv, MemberOp } from '../../contract/context.js';
import { hashedColumn } from '../../contract/map-helpers.js';
import { mapped, refuse, type MapOutcome } from '../../contract/result.js';
import type { Row } from '../../contract/row.js';
import { readString } from '../../contract/row-values.js';
import { normalizeEmailForMeta } from '../../normalize/email.js';
import { normalizeCountryForMeta, normalizeNameForMeta, normalizeZipForMeta } from '../../normalize/name-address.js';
import { normalizePhoneForMeta } from '../../normalize/phone.js';
import type { MetaCustomAudienceConfig } from './config.js';

/** The multi-key schema every request uses; a row without a key sends "" in its place. */
export const AUDIENCE_SCHEMA = ['EMAIL', 'PHONE', 'FN', 'LN', 'ZIP', 'COUNTRY', 'EXTERN_ID'] as const;

/** One member row aligned to {@link AUDIENCE_SCHEMA}, and whether it joins or leaves. */
export interface MetaAudienceMember {
  op: MemberOp;
  data: string[];
}

export const metaCustomAudienceColumns = {
  email: 'raw or SHA-256; trimmed, lowercased, hashed', phone: 'raw or SHA-256; digits with country code, hashed',
  first_name: 'optional, hashed', last_name: 'optional, hashed', zip: 'optional, hashed', country: 'optional ISO alpha-2, hashed',
  external_id: 'optional: your id, sent as is',
  consent_ad_user_data: 'required granted to add; never needed to remove', gpc: 'when set the person is never added',
} as const;

/**
 * Maps a segment row to a schema-aligned member: EMAIL, PHONE, FN, LN, ZIP, COUNTRY hashed after
 * Meta's normalisation (as for the Conversions API, §2.4), EXTERN_ID as is. At least an e-mail,
 * phone or external id. The member key (dedup key) is the first of them, so add and remove match.
 */
export function mapMetaAudienceMember(row: Row, config: MetaCustomAudienceConfig, env: MapEnv): MapOutcome<MetaAudienceMember> {
  const country = readString(row, 'country');
  const countryNorm = country ? normalizeCountryForMeta(country) : null;
  const cols = [
    hashedColumn(row, 'email', normalizeEmailForMeta),
    hashedColumn(row, 'phone', (p) => normalizePhoneForMeta(p, config.defaultCountry)),
    hashedColumn(row, 'first_name', normalizeNameForMeta),
    hashedColumn(row, 'last_name', normalizeNameForMeta),
    hashedColumn(row, 'zip', (z) => normalizeZipForMeta(z, countryNorm)),
    hashedColumn(row, 'country', normalizeCountryForMeta),
  ];
  const bad = cols.find((c) => c.problem)?.problem;
  if (bad) return { ok: false, rejection: bad };
  const extern = readString(row, 'external_id') ?? '';
  const data = [...cols.map((c) => c.value ?? ''), extern];
  const key = data[0] ? `email:${data[0]}` : data[1] ? `phone:${data[1]}` : extern ? `extern:${extern}` : undefined;
  if (!key) return refuse('NO_MATCH_KEY', 'row has no email, phone or external_id', 'email');
  return mapped(key, { op: env.op ?? 'add', data });
}
