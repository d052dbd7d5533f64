import { ARRIVAL_SQL, notBotSql } from '../../identity/touch-sql.js';
import { eventsWithPerson, type PersonSql } from './person-map.js';

/** The primary Google click id of an event as `type:id` (gclid before gbraid before wbraid), or ''. */
export function googleClickSql(p: PersonSql): string {
  const m = p.sql;
  return (
    `CASE WHEN ${m.present('gclid')} THEN concat('gclid:', ${m.text('gclid')}) ` +
    `WHEN ${m.present('gbraid')} THEN concat('gbraid:', ${m.text('gbraid')}) ` +
    `WHEN ${m.present('wbraid')} THEN concat('wbraid:', ${m.text('wbraid')}) ELSE '' END`
  );
}

/** The id of a `type:id` click column when it is of `type`, else NULL. */
export const clickOfType = (p: PersonSql, column: string, type: string): string =>
  `CASE WHEN ${column} LIKE ${p.sql.literal(`${type}:%`)} THEN ${p.sql.afterColon(column)} END`;

/**
 * Where a click is a touch: an arrival (page or screen view) of a visitor, not a bot. A `track`
 * on a page whose URL still carries the landing's gclid is the purchase, not a second click (it
 * would date the click at the purchase), and a link-preview fetcher's hit carries the shared
 * URL's click ids.
 */
export function clickTouchSql(p: PersonSql): string {
  return `(${ARRIVAL_SQL} AND ${notBotSql(p.sql)})`;
}

/**
 * What Touchline knows about each person from their events (those matching `where`), one row per
 * `person_id`: latest email and phone traits, latest consent state, whether any event carried
 * GPC, last page / user agent / IP from the browser, first click (their first touch carrying a
 * click id: type, id and time from that one event), and latest Google and Meta clicks (touches
 * only: see {@link clickTouchSql}). Shared by the conversions model and real-time forwarding.
 */
export function personFactsSql(p: PersonSql, where: string): string {
  const m = p.sql;
  const ts = '"timestamp"';
  const page = (col: string) => `type = 'page' AND ${m.present(col)}`;
  const touch = clickTouchSql(p);
  const g = `(CASE WHEN ${touch} THEN ${googleClickSql(p)} ELSE '' END)`;
  const trait = (k: string) => m.jsonText('traits', k);
  // the first click picked as one row (type, id, time), never column by column
  const clicked = `${m.present('click_id')} AND ${touch}`;
  const first = m.argMinRowIf(m.row(['click_id_type', 'click_id', ts]), `(${ts}, message_id)`, clicked);
  const firstField = (i: number) => `CASE WHEN ${m.countIf(clicked)} > 0 THEN ${m.rowField(first, i)} END`;
  return (
    `SELECT person_id, ` +
    `${m.argMaxIf(trait('email'), ts, m.present(trait('email')))} AS person_email, ` +
    `${m.argMaxIf(trait('phone'), ts, m.present(trait('phone')))} AS person_phone, ` +
    `${m.argMaxIf('consent', ts, 'consent IS NOT NULL')} AS person_consent, ` +
    `${m.anyTrue('gpc')} AS person_gpc, ` +
    `${m.argMaxIf('url', ts, page('url'))} AS person_last_url, ` +
    `${m.argMaxIf('user_agent', ts, page('user_agent'))} AS person_user_agent, ` +
    `${m.argMaxIf('ip', ts, page('ip'))} AS person_ip, ` +
    `${firstField(1)} AS person_first_click_type, ${firstField(2)} AS person_first_click_id, ${firstField(3)} AS person_first_touch_at, ` +
    `${m.argMaxIf(g, ts, `${g} != ''`)} AS person_google_click, ${m.maxIf(ts, `${g} != ''`)} AS person_google_click_at, ` +
    `${m.argMaxIf(m.text('fbclid'), ts, `${m.present('fbclid')} AND ${touch}`)} AS person_meta_click, ${m.maxIf(ts, `${m.present('fbclid')} AND ${touch}`)} AS person_meta_click_at ` +
    `FROM (${eventsWithPerson(p, where)}) AS _tl_f GROUP BY person_id`
  );
}
