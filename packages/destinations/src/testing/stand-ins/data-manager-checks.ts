/**
 * What the Data Manager stand-in's events and audience routes check alike
 * (shared/research/activation-contracts.md §1.11): the google.rpc.Status error answer with its
 * BadRequest field violations, and a userData's identifiers (hashed, at most 10, one kind each).
 * https://developers.google.com/data-manager/api/devguides/concepts/understand-errors
 */
import type { StandInAnswer } from '../stand-in-types.js';
import { asArray, isNonEmptyString, isObject, SHA256_HEX, type Json } from '../json-shape.js';

/** The google.rpc.Code name of each HTTP status the API answers. */
export const HTTP_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND',
  409: 'ABORTED', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED',
};

export interface Violation {
  field: string;
  description: string;
  reason: string;
}

/** A google.rpc.Status answer with ErrorInfo and, when given, BadRequest field violations. */
export function googleError(http: number, message: string, violations: Violation[] = [], extra: Json[] = []): StandInAnswer {
  const status = HTTP_STATUS[http] ?? 'UNKNOWN';
  return {
    status: http,
    body: {
      error: {
        code: http,
        message,
        status,
        details: [
          { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: violations[0]?.reason ?? status, domain: 'datamanager.googleapis.com' },
          ...(violations.length ? [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: violations }] : []),
          ...extra,
        ],
      },
    },
  };
}

export function checkUserData(userData: unknown, path: string, v: Violation[]): boolean {
  if (userData === undefined) return false;
  const ids = isObject(userData) ? asArray(userData['userIdentifiers']) : undefined;
  if (!ids || ids.length === 0) {
    v.push({ field: `${path}.user_data.user_identifiers`, description: 'userIdentifiers must not be empty', reason: 'NO_IDENTIFIERS_PROVIDED' });
    return false;
  }
  if (ids.length > 10) v.push({ field: `${path}.user_data.user_identifiers`, description: 'at most 10 identifiers', reason: 'TOO_MANY_USER_IDENTIFIERS' });
  ids.forEach((id, j) => {
    const f = `${path}.user_data.user_identifiers[${j}]`;
    const keys = isObject(id) ? Object.keys(id) : [];
    if (keys.length !== 1) {
      v.push({ field: f, description: 'exactly one of emailAddress, phoneNumber, address', reason: 'INVALID_ARGUMENT' });
      return;
    }
    const o = id as Json;
    for (const k of ['emailAddress', 'phoneNumber'] as const) {
      if (k in o && !(typeof o[k] === 'string' && SHA256_HEX.test(o[k]))) {
        v.push({ field: `${f}.${k === 'emailAddress' ? 'email_address' : 'phone_number'}`, description: 'not a SHA-256 hex digest (64 lowercase hex characters)', reason: 'INVALID_SHA256_FORMAT' });
      }
    }
    if ('address' in o) {
      const a = isObject(o['address']) ? o['address'] : {};
      for (const k of ['givenName', 'familyName']) {
        if (!(typeof a[k] === 'string' && SHA256_HEX.test(a[k]))) v.push({ field: `${f}.address.${k}`, description: 'not a SHA-256 hex digest', reason: 'INVALID_SHA256_FORMAT' });
      }
      if (!(typeof a['regionCode'] === 'string' && /^[A-Z]{2}$/.test(a['regionCode']))) v.push({ field: `${f}.address.region_code`, description: 'ISO-3166-1 alpha-2 region code required', reason: 'INVALID_REGION_CODE' });
      if (!isNonEmptyString(a['postalCode'])) v.push({ field: `${f}.address.postal_code`, description: 'postal code required', reason: 'INVALID_POSTAL_CODE' });
    }
  });
  return true;
}
