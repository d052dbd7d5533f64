/** A loose shape check: one `@`, something on both sides, no spaces left after normalising. */
const EMAIL_SHAPE = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

const GOOGLE_CONSUMER_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

/**
 * Google's email normalisation (Data Manager "Format user data",
 * developers.google.com/data-manager/api/devguides/concepts/formatting; activation-contracts.md
 * §1.5): remove all whitespace, lowercase; for gmail.com and googlemail.com only, drop every `.`
 * in the local part and a `+suffix`. Other domains keep dots and plus tags.
 * Returns `null` when the result is not an email.
 */
export function normalizeEmailForGoogle(raw: string): string | null {
  const email = raw.replace(/\s+/g, '').toLowerCase();
  if (!EMAIL_SHAPE.test(email)) return null;
  const at = email.lastIndexOf('@');
  let local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (GOOGLE_CONSUMER_DOMAINS.has(domain)) {
    local = local.split('+')[0]!.replaceAll('.', '');
    if (local === '') return null;
  }
  return `${local}@${domain}`;
}

/**
 * Meta's email normalisation (Conversions API customer information parameters,
 * developers.facebook.com/docs/marketing-api/conversions-api/parameters/customer-information-parameters;
 * activation-contracts.md §2.4): trim and lowercase; dots and plus tags are kept.
 */
export function normalizeEmailForMeta(raw: string): string | null {
  const email = raw.trim().toLowerCase();
  return EMAIL_SHAPE.test(email) ? email : null;
}
