import { EMAIL_ID_PREFIX } from '../identity/identity-sql.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { normalizeEmail } from './identifier-hash.js';

/** How a privacy request names its person: one identifier, of one kind. */
export type SubjectKind = 'user_id' | 'anonymous_id' | 'email';
export const SUBJECT_KINDS: readonly SubjectKind[] = ['user_id', 'anonymous_id', 'email'];

export interface Subject {
  readonly kind: SubjectKind;
  readonly value: string;
}

/**
 * A person as identity resolution sees them (src/identity/identity-sql.ts): every id their
 * events, identify calls and alias chains link, and their emails.
 */
export interface PersonIdentifiers {
  /** Every user id, anonymous id and `email:` id of the person (what id_map resolves to them). */
  readonly ids: readonly string[];
  /**
   * Anonymous ids `id_map` gives this person (they identified on it first) that another person
   * used too (a family tablet). Its anonymous-only events go with this person; its events under
   * the other person's user id stay theirs, and the id is neither suppressed nor forgotten by the
   * touch store (the other person still uses it).
   */
  readonly shared: readonly string[];
  /** Emails (normalised) the person's identify calls gave, and the subject's own. */
  readonly emails: readonly string[];
}

/** `IN ($p1, $p2…)` for a list of strings, through the warehouse's binding dialect. */
export function inList(w: Warehouse, values: readonly string[], prefix: string): { sql: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  values.forEach((v, i) => (params[`${prefix}${i}`] = v));
  return { sql: values.length === 0 ? `(NULL)` : `(${values.map((_, i) => `$${prefix}${i}`).join(', ')})`, params };
}

async function column(w: Warehouse, sql: string, params: Record<string, string>): Promise<string[]> {
  const r = await w.query(sql, { params });
  return r.rows.map((row) => row[0]).filter((v): v is string => typeof v === 'string' && v !== '');
}

/** The ids the subject names directly: itself, and for an email its `email:` id. */
function seedsOf(s: Subject): string[] {
  if (s.kind === 'email') return [`${EMAIL_ID_PREFIX}${normalizeEmail(s.value)}`];
  return [s.value];
}

/**
 * Expands a subject to the whole person through the identity views: the roots `id_map` gives
 * the subject's ids (an alias chain's root, the user an anonymous id or email identified as),
 * then every id with one of those roots. Read-only; both engines.
 */
export async function personIdentifiers(w: Warehouse, subject: Subject): Promise<PersonIdentifiers> {
  const seeds = seedsOf(subject);
  const s = inList(w, seeds, 's');
  const roots = new Set([...seeds, ...(await column(w, `SELECT DISTINCT root_id FROM id_map WHERE id IN ${s.sql}`, s.params))]);
  const r = inList(w, [...roots], 'r');
  const ids = new Set([...roots, ...(await column(w, `SELECT DISTINCT id FROM id_map WHERE root_id IN ${r.sql}`, r.params))]);
  const all = inList(w, [...ids], 'i');
  // An anonymous id seen with a user id that is not this person's belongs to someone else too.
  const shared = await column(
    w,
    `SELECT DISTINCT anonymous_id FROM events WHERE anonymous_id IN ${all.sql} AND user_id IS NOT NULL AND user_id <> '' AND user_id NOT IN ${all.sql}
UNION ALL SELECT DISTINCT anonymous_id FROM identities WHERE anonymous_id IN ${all.sql} AND user_id IS NOT NULL AND user_id <> '' AND user_id NOT IN ${all.sql}`,
    all.params,
  );
  const f = w.dialect;
  const email = f.lower(f.trimWs(f.text(f.jsonText('traits', 'email'))));
  const traitEmails = await column(w, `SELECT DISTINCT ${email} FROM events WHERE type = 'identify' AND user_id IN ${all.sql}`, all.params);
  const emails = new Set(traitEmails.filter((e) => e.includes('@')));
  for (const id of ids) if (id.startsWith(EMAIL_ID_PREFIX)) emails.add(id.slice(EMAIL_ID_PREFIX.length));
  if (subject.kind === 'email') emails.add(normalizeEmail(subject.value));
  const sharedSet = new Set(shared);
  return { ids: [...ids].filter((id) => !sharedSet.has(id)).sort(), shared: [...sharedSet].sort(), emails: [...emails].sort() };
}
