import { ARRIVAL_SQL, notBotSql } from '../../identity/touch-sql.js';
import { eventsWithPerson } from './person-map.js';
import type { ModelSql } from './model-sql.js';

/** The primary Google click id of an event as `type:id` (gclid before gbraid before wbraid), or ''. */
export function googleClickSql(m: ModelSql): string {
  return (
    `CASE WHEN ${m.present('gclid')} THEN concat('gclid:', ${m.orEmpty('gclid')}) ` +
    `WHEN ${m.present('gbraid')} THEN concat('gbraid:', ${m.orEmpty('gbraid')}) ` +
    `WHEN ${m.present('wbraid')} THEN concat('wbraid:', ${m.orEmpty('wbraid')}) ELSE '' END`
  );
}

/** The id of a `type:id` click column when it is of `type`, else NULL. */
export const clickOfType = (m: ModelSql, column: string, type: string): string =>
  `CASE WHEN ${column} LIKE '${type}:%' THEN ${m.afterColon(column)} END`;

/**
 * Where a click is a touch: an arrival (page or screen view) of a visitor, not a bot. A `track`
 * on a page whose URL still carries the landing's gclid is the purchase, not a second click (it
 * would date the click at the purchase), and a link-preview fetcher's hit carries the shared
 * URL's click ids.
 */
export function clickTouchSql(m: ModelSql): string {
  return `(${ARRIVAL_SQL} AND ${notBotSql(m.fns)})`;
}

/**
 * What Touchline knows about each person from their events (those matching `where`), one row per
 * `person_id`: latest email and phone traits, latest consent state, whether any event carried
 * GPC, last page / user agent / IP from the browser, first click (their first touch carrying a
 * click id: type, id and time from that one event), and latest Google and Meta clicks (touches
 * only: see {@link clickTouchSql}). Shared by the conversions model and real-time forwarding.
 */
export function personFactsSql(m: ModelSql, where: string): string {
  const ts = '"timestamp"';
  const page = (col: string) => `type = 'page' AND ${m.present(col)}`;
  const touch = clickTouchSql(m);
  const g = `(CASE WHEN ${touch} THEN ${googleClickSql(m)} ELSE '' END)`;
  // the first click picked as one row (type, id, time), never column by column
  const clicked = `${m.present('click_id')} AND ${touch}`;
  const first = m.argMinIf(m.fns.row(['click_id_type', 'click_id', ts]), `(${ts}, message_id)`, clicked);
  const firstField = (i: number) => `CASE WHEN ${m.countIf(clicked)} > 0 THEN ${m.fns.rowField(first, i)} END`;
  return (
    `SELECT person_id, ` +
    `${m.argMaxIf(m.json('traits', 'email'), ts, m.present(m.json('traits', 'email')))} AS person_email, ` +
    `${m.argMaxIf(m.json('traits', 'phone'), ts, m.present(m.json('traits', 'phone')))} AS person_phone, ` +
    `${m.argMaxIf('consent', ts, 'consent IS NOT NULL')} AS person_consent, ` +
    `${m.anyTrue('gpc')} AS person_gpc, ` +
    `${m.argMaxIf('url', ts, page('url'))} AS person_last_url, ` +
    `${m.argMaxIf('user_agent', ts, page('user_agent'))} AS person_user_agent, ` +
    `${m.argMaxIf('ip', ts, page('ip'))} AS person_ip, ` +
    `${firstField(1)} AS person_first_click_type, ${firstField(2)} AS person_first_click_id, ${firstField(3)} AS person_first_touch_at, ` +
    `${m.argMaxIf(g, ts, `${g} != ''`)} AS person_google_click, ${m.maxIf(ts, `${g} != ''`)} AS person_google_click_at, ` +
    `${m.argMaxIf(m.orEmpty('fbclid'), ts, `${m.present('fbclid')} AND ${touch}`)} AS person_meta_click, ${m.maxIf(ts, `${m.present('fbclid')} AND ${touch}`)} AS person_meta_click_at ` +
    `FROM (${eventsWithPerson(m, where)}) AS _tl_f GROUP BY person_id`
  );
}
