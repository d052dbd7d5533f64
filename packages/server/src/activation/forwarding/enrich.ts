import { createHash } from 'node:crypto';
import { isJunkId } from '../../identity/junk-ids.js';
import type { SqlDialect, Warehouse } from '../../warehouse/warehouse.js';
import { personFactsSql } from '../model/person-facts.js';
import type { PersonFacts } from './forward-row.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** One row of the person-facts query as the forwarding mappings read it. */
function personFactsOf(r: Readonly<Record<string, unknown>>): PersonFacts {
  return {
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
  };
}

/**
 * Looks up what the warehouse knows about the people behind a batch of events: their ids in the
 * identity map (`id_map`, as the `persons` view resolves them), then their facts (two queries per
 * batch, filtered to those people's events). Returns a function giving each event its person's
 * facts. Events whose own rows are not loaded yet (the outbox takes them before the load) are
 * covered by the person's earlier events.
 */
export async function enrichBatch(
  warehouse: Warehouse,
  events: readonly Readonly<Record<string, unknown>>[],
  junkIds: readonly string[] = [],
): Promise<(event: Readonly<Record<string, unknown>>) => PersonFacts | undefined> {
  // The id an event belongs to a person by (personKeySql): its user id, else its anonymous id.
  const keyOf = (e: Readonly<Record<string, unknown>>) =>
    [str(e['user_id']), str(e['anonymous_id'])].find((id) => id !== undefined && !isJunkId(id, junkIds));
  const keys = new Set(events.map(keyOf).filter((v): v is string => v !== undefined));
  if (keys.size === 0) return () => undefined;
  // The ids are event data: each one a bound parameter.
  const list = (d: SqlDialect, s: Set<string>) => [...s].map((v) => d.string(v)).join(', ');

  // Each key's root, and every id of the same persons (their events hold the facts).
  const b = warehouse.dialect.binding();
  const map = await warehouse.query(
    `SELECT id, root_id FROM id_map WHERE id IN (${list(b, keys)}) OR root_id IN (${list(b, keys)}) ` +
      `OR root_id IN (SELECT root_id FROM id_map WHERE id IN (${list(b, keys)}))`,
    { params: b.params },
  );
  const rootOf = new Map<string, string>();
  const ids = new Set(keys);
  for (const [id, root] of map.rows) {
    const i = str(id);
    const r = str(root);
    if (!i || !r) continue;
    rootOf.set(i, r);
    ids.add(i);
    ids.add(r);
  }
  const personOf = (e: Readonly<Record<string, unknown>>) => {
    const key = keyOf(e);
    return key === undefined ? undefined : createHash('md5').update(rootOf.get(key) ?? key).digest('hex');
  };
  const persons = new Set(events.map(personOf).filter((p): p is string => p !== undefined));
  const f = warehouse.dialect.binding();
  const facts = await warehouse.query(
    `SELECT * FROM (${personFactsSql({ sql: f, junkIds }, `user_id IN (${list(f, ids)}) OR anonymous_id IN (${list(f, ids)})`)}) AS _tl_pf ` +
      `WHERE person_id IN (${list(f, persons)})`,
    { params: f.params },
  );
  const byPerson = new Map<string, PersonFacts>();
  for (const row of facts.rows) {
    const r = Object.fromEntries(facts.columns.map((c, i) => [c, row[i]]));
    byPerson.set(String(r['person_id']), personFactsOf(r));
  }
  return (e) => {
    const p = personOf(e);
    return p === undefined ? undefined : byPerson.get(p);
  };
}
