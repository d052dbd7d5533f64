/**
 * Values for CRM fields (Salesforce, HubSpot, Braze, Customer.io): strings trimmed, since a
 * warehouse's `' ada@example.com '` would otherwise become a second contact or a failed match,
 * and e-mail addresses also lowercased (every CRM here compares them case-insensitively).
 */
export const trimCrmString = (value: string): string => value.trim();

/** A trimmed, lowercased e-mail, or `null` when it is not shaped like one. */
export function normalizeEmailForCrm(raw: string): string | null {
  const v = raw.trim().toLowerCase();
  return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v) ? v : null;
}
