import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/** Why a phone number could not be put in E.164, for rejections a person can act on. */
export type PhoneProblem = 'empty' | 'letters' | 'no_country' | 'not_possible' | 'not_valid_for_country';

export type E164Result = { readonly ok: true; readonly e164: string } | { readonly ok: false; readonly problem: PhoneProblem };

const ISO_COUNTRY = /^[A-Z]{2}$/;

/**
 * Parses a phone number into E.164 (`+` country code and subscriber digits), the form Google and
 * TikTok hash (activation-contracts.md §1.5, §3.2), with libphonenumber's metadata:
 *
 * - written internationally (`+44 20 7946 0958`, or with the `00` prefix): kept in its own country
 *   and accepted when its length is possible there. The explicit country code is the writer's
 *   statement, and the vendors' own test numbers (`+1 555 555 5555`, §10.3) are possible but not
 *   assigned, so "possible" is the bar here;
 * - written nationally (`020 7946 0958`): read in `defaultCountry` (ISO 3166-1 alpha-2) and accepted
 *   only when it is a *valid* number there. A national number read in the wrong country would be
 *   another person's number; when it is not valid in the default country it is refused, never
 *   guessed. (A number valid in both countries cannot be told apart: store numbers in
 *   international form where customers come from several countries.)
 *
 * Extensions are dropped. Letters (vanity numbers, junk) are refused.
 */
export function parseE164(raw: string, defaultCountry?: string): E164Result {
  const text = raw.trim().replace(/\s*(?:ext\.?|x|#)\s*\d+$/i, '');
  if (text === '') return { ok: false, problem: 'empty' };
  if (/[a-z]/i.test(text)) return { ok: false, problem: 'letters' };
  const international = text.startsWith('+') || /^00[1-9]/.test(text.replace(/[\s().-]/g, ''));
  if (international) {
    const number = parsePhoneNumberFromString(text.startsWith('+') ? text : `+${text.replace(/[\s().-]/g, '').slice(2)}`);
    return number && number.isPossible() ? { ok: true, e164: number.number } : { ok: false, problem: 'not_possible' };
  }
  const country = defaultCountry?.trim().toUpperCase();
  if (!country || !ISO_COUNTRY.test(country)) return { ok: false, problem: 'no_country' };
  const number = parsePhoneNumberFromString(text, { defaultCountry: country as CountryCode });
  if (!number || !number.isPossible()) return { ok: false, problem: 'not_possible' };
  return number.isValid() ? { ok: true, e164: number.number } : { ok: false, problem: 'not_valid_for_country' };
}

/** {@link parseE164}, as the E.164 string or `null`. */
export function toE164(raw: string, defaultCountry?: string): string | null {
  const r = parseE164(raw, defaultCountry);
  return r.ok ? r.e164 : null;
}

/** A sentence for a rejection: what was wrong with the phone column and what to do. */
export function phoneProblemText(column: string, problem: PhoneProblem, defaultCountry?: string): string {
  switch (problem) {
    case 'empty': return `${column} is empty`;
    case 'letters': return `${column} holds letters; not a phone number`;
    case 'no_country': return `${column} is a national number and no defaultCountry is configured; write it with +<country code> or set defaultCountry`;
    case 'not_possible': return `${column} does not have a possible length for its country`;
    case 'not_valid_for_country': return `${column} is not a valid ${defaultCountry ?? ''} number; if it belongs to another country write it with +<country code> (refused rather than sent as another person's number)`;
  }
}

/**
 * Meta's phone form: digits only with the country code, no `+`, no leading zeros
 * (`16505551212`; activation-contracts.md §2.4).
 */
export function normalizePhoneForMeta(raw: string, defaultCountry?: string): string | null {
  return toE164(raw, defaultCountry)?.slice(1) ?? null;
}
