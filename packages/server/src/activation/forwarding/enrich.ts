import type { Warehouse } from '../../warehouse/warehouse.js';
import { personFactsSql } from '../model/person-facts.js';
import { modelSqlFor } from '../model/source-sql.js';
import type { PersonFacts } from './forward-row.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Looks up what the warehouse knows about the people behind a batch of events: their identity
 * links, then their facts (two queries per batch, filtered to those people's events). Returns a
 * function giving each event its person's facts. Events whose own rows are not loaded yet (the
 * outbox takes them before the load) are covered by the person's earlier events.
 */
export async function enrichBatch(
  warehouse: Warehouse,
  events: readonly Readonly<Record<string, unknown>>[],
): Promise<(event: Readonly<Record<string, unknown>>) => PersonFacts | undefined> {
  const m = modelSqlFor(warehouse);
  const users = new Set(events.map((e) => str(e['user_id'])).filter((v): v is string => v !== undefined));
  const anons = new Set(events.map((e) => str(e['anonymous_id'])).filter((v): v is string => v !== undefined));
  if (users.size === 0 && anons.size === 0) return () => undefined;
  const list = (s: Set<string>) => (s.size ? [...s].map(m.str).join(', ') : "''");

  const links = await warehouse.query(
    `SELECT coalesce(anonymous_id, previous_id) AS anon, user_id, first_seen FROM identities ` +
      `WHERE user_id IS NOT NULL AND (coalesce(anonymous_id, previous_id) IN (${list(anons)}) OR user_id IN (${list(users)}))`,
  );
  const firstLink = new Map<string, { user: string; at: string }>();
  for (const [anon, user, at] of links.rows) {
    const a = str(anon);
    const u = str(user);
    if (!a || !u) continue;
    users.add(u);
    anons.add(a);
    const prev = firstLink.get(a);
    if (!prev || String(at) < prev.at) firstLink.set(a, { user: u, at: String(at) });
  }
  const personOf = (e: Readonly<Record<string, unknown>>) => {
    const anon = str(e['anonymous_id']);
    return str(e['user_id']) ?? (anon ? firstLink.get(anon)?.user : undefined) ?? anon;
  };
  const persons = new Set(events.map(personOf).filter((p): p is string => p !== undefined));
  const facts = await warehouse.query(
    `SELECT * FROM (${personFactsSql(m, `user_id IN (${list(users)}) OR anonymous_id IN (${list(anons)})`)}) AS _tl_pf ` +
      `WHERE person_id IN (${list(persons)})`,
  );
  const byPerson = new Map<string, PersonFacts>();
  for (const row of facts.rows) {
    const r = Object.fromEntries(facts.columns.map((c, i) => [c, row[i]]));
    byPerson.set(String(r['person_id']), {
      email: str(r['person_email']) ?? null,
      phone: str(r['person_phone']) ?? null,
      consent: r['person_consent'] ?? null,
      gpc: r['person_gpc'] === true || r['person_gpc'] === 1,
      lastUrl: str(r['person_last_url']) ?? null,
      userAgent: str(r['person_user_agent']) ?? null,
      ip: str(r['person_ip']) ?? null,
      googleClick: str(r['person_google_click']) ?? null,
      googleClickAt: str(r['person_google_click_at']) ?? null,
      metaClick: str(r['person_meta_click']) ?? null,
      metaClickAt: str(r['person_meta_click_at']) ?? null,
    });
  }
  return (e) => {
    const p = personOf(e);
    return p === undefined ? undefined : byPerson.get(p);
  };
}
