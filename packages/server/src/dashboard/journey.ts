import { ClientError } from '../http/client-error.js';
import { bindModel } from '../identity/bound-model.js';
import { conversionsSql } from '../identity/conversions-sql.js';
import type { ModelSql } from '../identity/model-views.js';
import { channelSql, sourceMediumCampaignSql } from '../identity/touch-sql.js';
import type { BoundDialect } from '../warehouse/dialect/dialect.js';
import type { SqlParams, Warehouse } from '../warehouse/warehouse.js';
import { anyColumnIn, JOURNEY_TABLE, personEventsCte } from './journey-index.js';
import { labelledTouchesSql, touchLabelRules } from './touch-labels.js';

/** Rows of each kind one journey shows at most (a bot-like id can have millions of events). */
const LIMIT = 500;
/** Ids one journey follows at most: a junk id shared by thousands of people would link them all. */
const MAX_IDS = 200;

type Row = Record<string, unknown>;

/** Runs one statement built with a binding copy of the model (every value, configured or asked, bound). */
async function rows(w: Warehouse, m: ModelSql, build: (b: ModelSql, v: (x: string) => string) => string, extra: SqlParams = {}): Promise<Row[]> {
  const { model, params } = bindModel(m);
  const fns = model.rules.fns as BoundDialect;
  const sql = build(model, (x) => fns.value(x));
  const r = await w.query(sql, { params: { ...params, ...extra } });
  return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]])));
}

export interface Journey {
  readonly query: string;
  readonly ids: { readonly userIds: string[]; readonly anonymousIds: string[]; readonly emails: string[] };
  readonly touches: Row[];
  readonly events: Row[];
  readonly identities: Row[];
  readonly conversions: Row[];
  readonly synced: Row[];
  readonly firstTouch: Row | null;
  readonly lastTouch: Row | null;
}

const strings = (rs: Row[], ...keys: string[]) => rs.flatMap((r) => keys.map((k) => r[k])).filter((x): x is string => typeof x === 'string' && x !== '');

/**
 * Every id of the person behind `q` (a user id, an anonymous id, or an identify's e-mail): the ids
 * `identities` links to it, followed twice (device → user → their other devices), read from the
 * links table rather than the identity views, so a lookup never resolves everyone's identity.
 */
async function idsOf(w: Warehouse, m: ModelSql, q: string, indexed: boolean): Promise<{ ids: string[]; emails: string[] } | null> {
  const f = m.rules.fns;
  const seeds = await rows(w, m, (_b, v) =>
    indexed
      ? `SELECT DISTINCT anonymous_id, user_id FROM ${JOURNEY_TABLE} WHERE key = ${v(q)} LIMIT 50`
      : `SELECT DISTINCT anonymous_id, user_id FROM events
WHERE user_id = ${v(q)} OR anonymous_id = ${v(q)} OR (type = 'identify' AND ${f.jsonText('traits', 'email')} = ${v(q)}) LIMIT 50`,
  );
  if (seeds.length === 0) return null;
  let ids = new Set(strings(seeds, 'anonymous_id', 'user_id'));
  for (let hop = 0; hop < 2 && ids.size < MAX_IDS; hop++) {
    const list = [...ids];
    const links = await rows(w, m, (_b, v) => {
      const inList = list.map(v).join(', ');
      const from = indexed ? `${anyColumnIn('identities', ['anonymous_id', 'user_id', 'previous_id'], inList)} AS i` : `identities WHERE anonymous_id IN (${inList}) OR user_id IN (${inList}) OR previous_id IN (${inList})`;
      return `SELECT anonymous_id, user_id, previous_id FROM ${from} LIMIT ${MAX_IDS}`;
    });
    ids = new Set([...ids, ...strings(links, 'anonymous_id', 'user_id', 'previous_id')].slice(0, MAX_IDS));
  }
  return { ids: [...ids], emails: [] };
}

/**
 * The person's touches (`from`: their sessions rows, aliased), with source, medium, campaign and
 * channel under the current rules. With the rollups (`labelled`), read through the touch labels
 * (touch-labels.ts), a join; when a touch has no label of these rules, or without the rollups, with
 * the rules in the statement (a fixed 0.2–0.6 s of planning on DuckDB).
 */
async function touchesOf(w: Warehouse, m: ModelSql, from: (v: (x: string) => string) => string, labelled: boolean): Promise<Row[]> {
  if (labelled) {
    const read = await rows(w, m, (_b, v) => labelledTouchesSql(from(v), LIMIT), { tl_rules: touchLabelRules(m) });
    if (read.every((r) => r['_labelled'] === true)) return read.map(({ _labelled: _, ...r }) => r);
  }
  return rows(w, m, (b, v) => {
    const smc = sourceMediumCampaignSql(b.rules);
    return `SELECT started_at AS touch_at, kind, source, medium, campaign, ${channelSql(b.rules)} AS channel, click_id_type, referrer_domain, device_id
FROM (SELECT *, ${smc.source} AS source, ${smc.medium} AS medium, ${smc.campaign} AS campaign FROM ${from(v)}) AS s
ORDER BY started_at LIMIT ${LIMIT}`;
  });
}

/**
 * One person's timeline: their touches (sessions with channel under the current rules), events,
 * identity links, conversions, and the sync results recorded for any of their ids or e-mails.
 * `indexed` (DuckDB, where the rollups keep {@link JOURNEY_TABLE}): the person's events are read
 * through that lookup table instead of scanning `events`.
 */
export async function readJourney(w: Warehouse, m: ModelSql, query: string, indexed = false): Promise<Journey | null> {
  const q = query.trim();
  if (q === '' || q.length > 512) throw new ClientError(400, 'bad_request', 'q: give a user id, anonymous id or e-mail address (at most 512 characters)');
  const found = await idsOf(w, m, q, indexed);
  if (!found) return null;
  const inIds = (v: (x: string) => string) => found.ids.map(v).join(', ');
  // With the lookup table, `events` in the statements below is a CTE of this person's events only.
  const from = (v: (x: string) => string) => (indexed ? `${personEventsCte(inIds(v))}\n` : '');
  // The rows of a table where one of `cols` is one of the person's ids.
  const ofPerson = (v: (x: string) => string, table: string, cols: readonly string[]) =>
    indexed ? `${anyColumnIn(table, cols, inIds(v))} AS p` : `${table} WHERE ${cols.map((c) => `${c} IN (${inIds(v)})`).join(' OR ')}`;
  const f = m.rules.fns;
  const email = indexed ? 'email' : f.jsonText('traits', 'email');
  const [touches, events, identities, conversions, emails] = await Promise.all([
    touchesOf(w, m, (v) => ofPerson(v, 'touch_sessions', ['device_id', 'user_id']), indexed),
    rows(w, m, (_b, v) => `${from(v)}SELECT "timestamp", type, event, name, path, anonymous_id, user_id, device_type, browser, library_name FROM events
WHERE anonymous_id IN (${inIds(v)}) OR user_id IN (${inIds(v)}) ORDER BY "timestamp" LIMIT ${LIMIT}`),
    rows(w, m, (_b, v) => `SELECT kind, anonymous_id, user_id, previous_id, first_seen FROM ${ofPerson(v, 'identities', ['anonymous_id', 'user_id'])} ORDER BY first_seen LIMIT ${LIMIT}`),
    rows(w, m, (b, v) => `${from(v)}SELECT converted_at, conversion, event, value, currency FROM (${conversionsSql(b.rules, b.conversions)}) AS c
WHERE anonymous_id IN (${inIds(v)}) OR user_id IN (${inIds(v)}) ORDER BY converted_at LIMIT ${LIMIT}`),
    rows(w, m, (_b, v) => `${from(v)}SELECT DISTINCT ${email} AS email FROM events
WHERE type = 'identify' AND (anonymous_id IN (${inIds(v)}) OR user_id IN (${inIds(v)})) AND ${email} IS NOT NULL LIMIT 20`),
  ]);
  const emailList = strings(emails, 'email');
  const keys = [...found.ids, ...emailList];
  const synced = await rows(w, m, (_b, v) => `SELECT recorded_at, sync_name, pk, op, status, reason, http_status FROM sync_row_results WHERE pk IN (${keys.map(v).join(', ')}) ORDER BY recorded_at DESC LIMIT ${LIMIT}`);
  return {
    query: q,
    ids: { userIds: [...new Set(strings(events, 'user_id'))], anonymousIds: [...new Set(strings(events, 'anonymous_id'))], emails: emailList },
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
