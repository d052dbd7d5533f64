import { createHmac } from 'node:crypto';

/**
 * Keyed hashes of personal identifiers (user ids, anonymous ids, emails): what the suppression
 * list, the published collector table and the audit log hold instead of the identifier. The key
 * is derived from the server's pepper (the data dir's secrets) for this one use, so a suppression
 * hash can never be confused with a token hash, and a copy of the control store alone cannot be
 * tested against guessed emails.
 */
export interface IdentifierHasher {
  /** The keyed hash of one identifier, as it is (an email: lower-cased and trimmed first). */
  (identifier: string): string;
}

/** How an email is compared: `Ada@Example.com ` and `ada@example.com` are one person. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

const looksLikeEmail = (s: string): boolean => s.includes('@');

/** The hasher for a pepper; identifiers that look like emails are normalised as emails. */
export function identifierHasher(pepper: string): IdentifierHasher {
  const key = createHmac('sha256', pepper).update('touchline.privacy.suppression.v1').digest();
  return (identifier) => {
    const v = looksLikeEmail(identifier) ? normalizeEmail(identifier) : identifier;
    return createHmac('sha256', key).update(v, 'utf8').digest('hex');
  };
}
