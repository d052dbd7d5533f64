import { hashNormalized } from '../normalize/sha256.js';
import { parseE164, phoneProblemText } from '../normalize/phone.js';
import type { Rejection } from './result.js';
import type { Row } from './row.js';
import { readString } from './row-values.js';

const PREHASHED = /^[0-9a-fA-F]{64}$/;

/**
 * A column normalised then SHA-256 hashed; a 64-hex value is taken as already hashed. Answers
 * `undefined` when the column is empty, or a rejection naming the column when its value is
 * unusable (so a row never goes out with a silently dropped identifier it relied on).
 */
export function hashedColumn(row: Row, column: string, normalize: (raw: string) => string | null): { value?: string; problem?: Rejection } {
  const raw = readString(row, column);
  if (raw === undefined) return {};
  if (PREHASHED.test(raw)) return { value: raw.toLowerCase() };
  const n = normalize(raw);
  return n ? { value: hashNormalized(n) } : { problem: { code: 'INVALID_IDENTIFIER', reason: `${column} could not be normalised: "${raw.slice(0, 40)}"`, field: column } };
}

/** The phone column as an E.164 SHA-256 (`+` kept: Google, TikTok, Microsoft), or the problem. */
export function hashedE164(row: Row, column: string, defaultCountry: string | undefined, keepPlus = true): { value?: string; problem?: Rejection } {
  const raw = readString(row, column);
  if (raw === undefined) return {};
  if (PREHASHED.test(raw)) return { value: raw.toLowerCase() };
  const p = parseE164(raw, defaultCountry);
  if (!p.ok) return { problem: { code: 'INVALID_PHONE', reason: phoneProblemText(column, p.problem, defaultCountry), field: column } };
  return { value: hashNormalized(keepPlus ? p.e164 : p.e164.slice(1)) };
}

/** A timestamp within `[now - maxAgeMs, now + skewMs]`, or the rejection naming the column. */
export function eventTimeWithin(at: number | undefined, column: string, now: number, maxAgeMs: number, skewMs: number, vendor: string): Rejection | undefined {
  if (at === undefined) return { code: 'INVALID_EVENT_TIME', reason: `${column} is missing or not a timestamp`, field: column };
  if (at > now + skewMs) return { code: 'EVENT_IN_FUTURE', reason: `${column} ${new Date(at).toISOString()} is in the future`, field: column };
  if (now - at > maxAgeMs) {
    return { code: 'EVENT_TOO_OLD', reason: `${column} ${new Date(at).toISOString()} is more than ${Math.round(maxAgeMs / 86_400_000)} days old; ${vendor} refuses it`, field: column };
  }
  return undefined;
}
