import { readFlag } from '../../consent/consent-guard.js';
import type { MapEnv, MemberOp } from '../../contract/context.js';
import { mapped, refuse, type MapOutcome } from '../../contract/result.js';
import type { Row } from '../../contract/row.js';
import type { DataManagerUserIdentifier } from '../google-data-manager/payload.js';
import { googleUserIdentifiers } from '../google-data-manager/user-identifiers.js';
import type { GoogleCustomerMatchConfig } from './config.js';

/** One member, and whether it joins or leaves the list. */
export interface CustomerMatchMember {
  op: MemberOp;
  member: {
    userData: { userIdentifiers: DataManagerUserIdentifier[] };
    consent?: { adUserData: 'CONSENT_GRANTED'; adPersonalization?: 'CONSENT_GRANTED' | 'CONSENT_DENIED' };
  };
}

export const googleCustomerMatchColumns = {
  email: 'raw or SHA-256; Google-normalised (gmail dots and +tags dropped), hashed',
  phone: 'raw or SHA-256; E.164, hashed',
  first_name: 'with last_name, country_code, postal_code: the address identifier', last_name: 'see first_name',
  country_code: 'see first_name', postal_code: 'see first_name',
  consent_ad_user_data: 'required granted to add; never needed to remove', consent_ad_personalization: 'optional', gpc: 'when set the person is never added',
} as const;

/** The member's key: its first identifier, so its add and its later remove share one key. */
export function customerMatchKey(ids: readonly DataManagerUserIdentifier[]): string {
  const first = ids[0]!;
  if ('emailAddress' in first) return `email:${first.emailAddress}`;
  if ('phoneNumber' in first) return `phone:${first.phoneNumber}`;
  const a = first.address;
  return `address:${a.givenName}:${a.familyName}:${a.regionCode}:${a.postalCode}`;
}

/**
 * Maps a segment row to a Customer Match member: identifiers normalised and hashed the Google way
 * (the same as conversions), consent on adds. `env.op` says add or remove; a removal carries the
 * same identifiers and needs no consent.
 */
export function mapCustomerMatch(row: Row, config: GoogleCustomerMatchConfig, env: MapEnv): MapOutcome<CustomerMatchMember> {
  const { identifiers, unusable } = googleUserIdentifiers(row, config.defaultCountry);
  if (identifiers.length === 0) {
    const why = unusable.length ? ` (${unusable.join(', ')} could not be normalised)` : '';
    return refuse('NO_IDENTIFIERS_PROVIDED', `row has no email, phone or full address${why}`, unusable[0] ?? 'email');
  }
  const op = env.op ?? 'add';
  const personalization = readFlag(row['consent_ad_personalization']);
  const consent = op === 'add'
    ? { consent: { adUserData: 'CONSENT_GRANTED' as const, ...(personalization === undefined ? {} : { adPersonalization: personalization ? ('CONSENT_GRANTED' as const) : ('CONSENT_DENIED' as const) }) } }
    : {};
  const userIdentifiers = identifiers.slice(0, 10);
  return mapped(customerMatchKey(userIdentifiers), { op, member: { userData: { userIdentifiers }, ...consent } });
}
