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
 * What Touchline knows about each person from their events (those matching `where`), one row per
 * `person_id`: latest email and phone traits, latest consent state, whether any event carried
 * GPC, last page / user agent / IP from the browser, first click (first touch), and latest
 * Google and Meta clicks. Shared by the conversions model and real-time forwarding.
 */
export function personFactsSql(p: PersonSql, where: string): string {
  const m = p.sql;
  const ts = '"timestamp"';
  const page = (col: string) => `type = 'page' AND ${m.present(col)}`;
  const g = googleClickSql(p);
  const trait = (k: string) => m.jsonText('traits', k);
  return (
    `SELECT person_id, ` +
    `${m.argMaxIf(trait('email'), ts, m.present(trait('email')))} AS person_email, ` +
    `${m.argMaxIf(trait('phone'), ts, m.present(trait('phone')))} AS person_phone, ` +
    `${m.argMaxIf('consent', ts, 'consent IS NOT NULL')} AS person_consent, ` +
    `${m.anyTrue('gpc')} AS person_gpc, ` +
    `${m.argMaxIf('url', ts, page('url'))} AS person_last_url, ` +
    `${m.argMaxIf('user_agent', ts, page('user_agent'))} AS person_user_agent, ` +
    `${m.argMaxIf('ip', ts, page('ip'))} AS person_ip, ` +
    `${m.argMinIf('click_id_type', ts, m.present('click_id'))} AS person_first_click_type, ` +
    `${m.argMinIf('click_id', ts, m.present('click_id'))} AS person_first_click_id, ` +
    `${m.minIf(ts, m.present('click_id'))} AS person_first_touch_at, ` +
    `${m.argMaxIf(g, ts, `${g} != ''`)} AS person_google_click, ${m.maxIf(ts, `${g} != ''`)} AS person_google_click_at, ` +
    `${m.argMaxIf(m.text('fbclid'), ts, m.present('fbclid'))} AS person_meta_click, ${m.maxIf(ts, m.present('fbclid'))} AS person_meta_click_at ` +
    `FROM (${eventsWithPerson(p, where)}) AS _tl_f GROUP BY person_id`
  );
}
