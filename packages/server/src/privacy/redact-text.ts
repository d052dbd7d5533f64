import { CLICK_ID_BY_PARAM, UTM_KEYS } from '@touchline/protocol';

/**
 * PII detectors over text and URLs (redaction at ingest: docs/governance.md, "Redaction"). Pure:
 * a string in, the string with what the detectors found replaced by a marker, out.
 */
export interface RedactionRules {
  readonly emails: boolean;
  readonly phones: boolean;
  readonly cards: boolean;
  /** Query parameter names (lower case) whose values are removed whatever they hold. */
  readonly queryParams: ReadonlySet<string>;
  /** Further patterns (global regexes) whose matches are removed. */
  readonly patterns: readonly RegExp[];
}

export const MARK = { email: '[email]', phone: '[phone]', card: '[card]', param: '[redacted]', pattern: '[redacted]' } as const;

/**
 * Parameters whose values are removed by default: contact details, the secrets of reset and login
 * links. Ambiguous names (`code`, `name`, `key`, `zip`) are left to `privacy.redaction.queryParams`:
 * a promo code or a product name is not personal.
 */
export const DEFAULT_REDACTED_PARAMS: readonly string[] = [
  'email', 'e-mail', 'e_mail', 'mail', 'emailaddress', 'email_address', 'user_email',
  'phone', 'tel', 'telephone', 'mobile', 'phone_number', 'phonenumber',
  'password', 'pass', 'passwd', 'pwd', 'token', 'access_token', 'id_token', 'refresh_token', 'reset_token', 'otp', 'secret', 'api_key', 'apikey',
  'first_name', 'firstname', 'last_name', 'lastname', 'fullname', 'full_name', 'address', 'street', 'postcode', 'postal_code', 'dob', 'birthdate', 'ssn',
  'cardnumber', 'card_number', 'ccnum', 'cvv', 'cvc', 'iban',
];

/** Marketing parameters Touchline reads: never touched, whatever they hold. */
const MARKETING: ReadonlySet<string> = new Set([...UTM_KEYS, ...[...CLICK_ID_BY_PARAM.keys()].map((k) => k.toLowerCase())]);

// `@` or its percent-encoding; a local part may hold percent-escapes (`ada%2Bnews%40…`). Every
// part bounded (RFC 5321's lengths): unbounded ones made a 60 KB hostile string take seconds.
const EMAIL = /[A-Za-z0-9._%+-]{1,64}(?:@|%40)(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}/gi;
// International numbers (`+`, or `%2B` in a URL) and the common written national formats. A bare
// run of digits is not taken for a phone: order ids and timestamps look the same.
const PHONE = /(?:\+|%2B)\d[\d\s().\-/]{6,18}\d|\(\d{3}\)\s?\d{3}[-.\s]\d{4}\b|\b\d{3}[-.]\d{3}[-.]\d{4}\b|\b0\d{2,4}[\s/-]\d{3,4}[\s-]?\d{3,4}\b/g;
// 13–19 digits starting as the card networks' numbers do (3 Amex/Diners/JCB, 4 Visa, 5 and 2
// Mastercard, 6 Discover/UnionPay/Maestro), optionally grouped by spaces or dashes; kept unless
// the Luhn check passes. Millisecond timestamps (1…) are never taken for cards.
const CARD = /\b[2-6](?:[ -]?\d){12,18}\b/g;

/** The Luhn checksum of a card number (digits only). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** Free text with the detectors' finds replaced (cards first: a card number also looks like a phone). */
export function redactText(text: string, r: RedactionRules): string {
  let out = text;
  if (r.cards && /\d{4}/.test(out)) out = out.replace(CARD, (m) => (luhnValid(m.replace(/[ -]/g, '')) ? MARK.card : m));
  if (r.emails && (out.includes('@') || /%40/i.test(out))) out = out.replace(EMAIL, MARK.email);
  if (r.phones && /\d{3}/.test(out)) out = out.replace(PHONE, MARK.phone);
  for (const p of r.patterns) out = out.replace(p, MARK.pattern);
  return out;
}

function safeDecode(s: string): string {
  // Most names and values hold no escapes: decoding them is the costly part of a URL.
  if (!s.includes('%') && !s.includes('+')) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    // A malformed escape (`%E0%A4%A`): matched as written, which is what the page sent.
    return s;
  }
}

/**
 * A query value: the detectors run on it as sent and as decoded (`%2B44%2020…` is a phone once
 * decoded); a value found only decoded is re-encoded around its markers.
 */
function redactValue(raw: string, r: RedactionRules): string {
  const direct = redactText(raw, r);
  if (direct !== raw || !/[%+]/.test(raw)) return direct;
  const decoded = safeDecode(raw);
  const redacted = redactText(decoded, r);
  return redacted === decoded ? raw : encodeURIComponent(redacted).replace(/%5B/g, '[').replace(/%5D/g, ']');
}

/** `a=1&b=2`: each value redacted by its parameter's name, or by the detectors; marketing ones kept. */
function redactQuery(query: string, r: RedactionRules): string {
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return redactText(pair, r);
      const name = safeDecode(pair.slice(0, eq)).trim().toLowerCase();
      if (MARKETING.has(name)) return pair;
      if (r.queryParams.has(name)) return `${pair.slice(0, eq)}=${MARK.param}`;
      return `${pair.slice(0, eq)}=${redactValue(pair.slice(eq + 1), r)}`;
    })
    .join('&');
}

/**
 * A URL (or a referrer) with PII removed: `mailto:` and `tel:` addresses, emails in the path
 * (plain or `%40`), values of sensitive query parameters, the detectors' finds in other values
 * and in the fragment (read as a query when it holds `=`, as OAuth's implicit flow sends it).
 * UTMs and click ids are never changed. Not a URL: treated as text.
 */
export function redactUrl(url: string, r: RedactionRules): string {
  const scheme = /^(mailto|tel|sms):/i.exec(url);
  if (scheme) return `${scheme[0]}${MARK.param}`;
  // Split by hand (a regex here was most of the cost of a URL): base ? query # fragment.
  const hash = url.indexOf('#');
  const beforeHash = hash < 0 ? url : url.slice(0, hash);
  const fragment = hash < 0 ? undefined : url.slice(hash + 1);
  const mark = beforeHash.indexOf('?');
  const base = mark < 0 ? beforeHash : beforeHash.slice(0, mark);
  const query = mark < 0 ? undefined : beforeHash.slice(mark + 1);
  let out = redactText(base, r);
  if (query !== undefined) out += `?${redactQuery(query, r)}`;
  if (fragment !== undefined) out += `#${fragment.includes('=') ? redactQuery(fragment, r) : redactText(fragment, r)}`;
  return out;
}
