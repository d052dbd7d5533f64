import type { SqlDialect } from '../warehouse/dialect/dialect.js';
import type { SqlParams } from '../warehouse/warehouse.js';
import { DAY_MS, type DayRange } from './date-range.js';

/** One statement of a page and the values it binds. */
export interface Statement {
  readonly sql: string;
  readonly params: SqlParams;
}

/** A UTC day number (days since 1970-01-01) of a timestamp column, on either engine. */
export function daySql(f: SqlDialect, col: string): string {
  return f.intDiv(f.epochMs(col), String(DAY_MS));
}

/** `col` inside the range, the bounds bound as parameters. */
function inRange(f: SqlDialect, col: string, r: DayRange): { where: string; params: SqlParams } {
  const b = f.binding('r');
  return { where: `${col} >= ${b.timestamp(r.sinceMs)} AND ${col} < ${b.timestamp(r.untilMs)}`, params: b.params };
}

/** Events and distinct visitors (anonymous ids) per day, from the raw events. */
export function eventsByDaySql(f: SqlDialect, r: DayRange): Statement {
  const w = inRange(f, '"timestamp"', r);
  return {
    sql: `SELECT ${daySql(f, '"timestamp"')} AS day, count(*) AS events, ${f.countDistinct('anonymous_id')} AS visitors
FROM events WHERE ${w.where} GROUP BY day ORDER BY day`,
    params: w.params,
  };
}

/** Distinct visitors over the whole range (not a sum of days: a visitor of two days counts once). */
export function visitorsSql(f: SqlDialect, r: DayRange): Statement {
  const w = inRange(f, '"timestamp"', r);
  return { sql: `SELECT ${f.countDistinct('anonymous_id')} AS visitors FROM events WHERE ${w.where}`, params: w.params };
}

/** Conversions and revenue per day, from the `conversions` view (the configured definitions). */
export function conversionsByDaySql(f: SqlDialect, r: DayRange): Statement {
  const w = inRange(f, 'converted_at', r);
  return {
    sql: `SELECT ${daySql(f, 'converted_at')} AS day, count(*) AS conversions, coalesce(sum(value), 0) AS revenue
FROM conversions WHERE ${w.where} GROUP BY day ORDER BY day`,
    params: w.params,
  };
}

/** Refused events per day (collector, loader and damaged spool bytes alike). */
export function failedByDaySql(f: SqlDialect, r: DayRange): Statement {
  const w = inRange(f, 'received_at', r);
  return { sql: `SELECT ${daySql(f, 'received_at')} AS day, count(*) AS failed FROM failed_events WHERE ${w.where} GROUP BY day ORDER BY day`, params: w.params };
}

/**
 * Data health of the sessions started in the range: with UTMs, with a click id, with any
 * marketing touch (campaign or referral, not direct).
 */
export function sessionHealthSql(f: SqlDialect, r: DayRange): Statement {
  const w = inRange(f, 'started_at', r);
  const utm = `(${f.present('utm_source')} OR ${f.present('utm_medium')} OR ${f.present('utm_campaign')})`;
  return {
    sql: `SELECT count(*) AS sessions, ${f.countIf(utm)} AS with_utm, ${f.countIf(f.present('click_id'))} AS with_click_id,
  ${f.countIf(`kind <> 'direct'`)} AS with_touch
FROM touch_sessions WHERE ${w.where}`,
    params: w.params,
  };
}

/**
 * Conversions in the range, and those whose person had a marketing touch (not direct) before
 * converting: what attribution can credit to something other than Direct.
 */
export function attributableSql(f: SqlDialect, r: DayRange): Statement {
  const w = inRange(f, 'c.converted_at', r);
  return {
    sql: `SELECT count(*) AS conversions, ${f.countIf('t.first_touch_at IS NOT NULL AND t.first_touch_at <= c.converted_at')} AS attributable
FROM conversions AS c
LEFT JOIN (SELECT person_id AS touch_person, min(started_at) AS first_touch_at FROM sessions WHERE kind <> 'direct' GROUP BY person_id) AS t
  ON t.touch_person = c.person_id
WHERE ${w.where}`,
    params: w.params,
  };
}

/** Arrivals (page and screen views) by the library that captured them: the tracker, the server-side site helper, other SDKs. */
export function arrivalsByLibrarySql(f: SqlDialect, r: DayRange): Statement {
  const w = inRange(f, '"timestamp"', r);
  return {
    sql: `SELECT coalesce(library_name, '(none)') AS library, count(*) AS arrivals
FROM events WHERE type IN ('page', 'screen') AND ${w.where} GROUP BY library ORDER BY arrivals DESC`,
    params: w.params,
  };
}
