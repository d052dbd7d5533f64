import { ClientError } from '../http/client-error.js';
import type { Warehouse } from '../warehouse/warehouse.js';

/** Rows of each kind one journey shows at most (a bot-like id can have millions of events). */
const LIMIT = 500;

type Row = Record<string, unknown>;

async function rows(w: Warehouse, build: (v: (x: string) => string) => string): Promise<Row[]> {
  const b = w.dialect.binding('j');
  const sql = build((x) => b.value(x));
  const r = await w.query(sql, { params: b.params });
  return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]])));
}

export interface Journey {
  readonly query: string;
  readonly personId: string;
  readonly ids: { readonly userIds: string[]; readonly anonymousIds: string[]; readonly emails: string[] };
  readonly touches: Row[];
  readonly events: Row[];
  readonly identities: Row[];
  readonly conversions: Row[];
  readonly synced: Row[];
  readonly firstTouch: Row | null;
  readonly lastTouch: Row | null;
}

/**
 * One person's timeline, found by a user id, an anonymous id or an e-mail address (an identify's
 * `traits.email`): every id the identity graph links to it, their touches, events, identity links,
 * conversions, and the sync results recorded for any of their ids. Every value is bound.
 */
export async function readJourney(w: Warehouse, query: string): Promise<Journey | null> {
  const q = query.trim();
  if (q === '' || q.length > 512) throw new ClientError(400, 'bad_request', 'q: give a user id, anonymous id or e-mail address (at most 512 characters)');
  const f = w.dialect;
  const seeds = await rows(
    w,
    (v) => `SELECT DISTINCT anonymous_id, user_id FROM events
WHERE user_id = ${v(q)} OR anonymous_id = ${v(q)} OR (type = 'identify' AND ${f.jsonText('traits', 'email')} = ${v(q)}) LIMIT 50`,
  );
  if (seeds.length === 0) return null;
  const key = String(seeds.find((s) => s['user_id'] !== null)?.['user_id'] ?? seeds[0]!['anonymous_id']);
  const [root] = await rows(w, (v) => `SELECT coalesce((SELECT max(root_id) FROM id_map WHERE id = ${v(key)}), ${v(key)}) AS root, ${f.md5(`coalesce((SELECT max(root_id) FROM id_map WHERE id = ${v(key)}), ${v(key)})`)} AS person_id`);
  const rootId = String(root!['root']);
  const personId = String(root!['person_id']);
  const linked = await rows(w, (v) => `SELECT id FROM id_map WHERE root_id = ${v(rootId)}`);
  const ids = [...new Set([rootId, key, ...linked.map((r) => String(r['id']))])].slice(0, 200);
  const inIds = (v: (x: string) => string) => ids.map(v).join(', ');
  const [touches, events, identities, conversions, emails] = await Promise.all([
    rows(w, (v) => `SELECT touch_at, channel, source, medium, campaign, click_id_type, referrer_domain, device_id, kind FROM touches WHERE person_id = ${v(personId)} ORDER BY touch_at LIMIT ${LIMIT}`),
    rows(w, (v) => `SELECT "timestamp", type, event, name, path, anonymous_id, user_id, device_type, browser, library_name FROM events
WHERE anonymous_id IN (${inIds(v)}) OR user_id IN (${inIds(v)}) ORDER BY "timestamp" LIMIT ${LIMIT}`),
    rows(w, (v) => `SELECT kind, anonymous_id, user_id, previous_id, first_seen FROM identities WHERE anonymous_id IN (${inIds(v)}) OR user_id IN (${inIds(v)}) ORDER BY first_seen LIMIT ${LIMIT}`),
    rows(w, (v) => `SELECT converted_at, conversion, event, value, currency FROM conversions WHERE person_id = ${v(personId)} ORDER BY converted_at LIMIT ${LIMIT}`),
    rows(w, (v) => `SELECT DISTINCT ${f.jsonText('traits', 'email')} AS email FROM events WHERE type = 'identify' AND (anonymous_id IN (${inIds(v)}) OR user_id IN (${inIds(v)})) AND ${f.jsonText('traits', 'email')} IS NOT NULL LIMIT 20`),
  ]);
  const emailList = emails.map((e) => String(e['email']));
  const keys = [...ids, ...emailList, personId];
  const synced = await rows(w, (v) => `SELECT recorded_at, sync_name, pk, op, status, reason, http_status FROM sync_row_results WHERE pk IN (${keys.map(v).join(', ')}) ORDER BY recorded_at DESC LIMIT ${LIMIT}`);
  const userIds = [...new Set(events.map((e) => e['user_id']).filter((x): x is string => typeof x === 'string'))];
  const anonymousIds = [...new Set(events.map((e) => e['anonymous_id']).filter((x): x is string => typeof x === 'string'))];
  return {
    query: q,
    personId,
    ids: { userIds, anonymousIds, emails: emailList },
    touches,
    events,
    identities,
    conversions,
    synced,
    // Marketing touches first (as `persons` does): a direct visit is a touch only when there is nothing else.
    firstTouch: touches.find((t) => t['kind'] !== 'direct') ?? touches[0] ?? null,
    lastTouch: touches.findLast((t) => t['kind'] !== 'direct') ?? touches[touches.length - 1] ?? null,
  };
}
