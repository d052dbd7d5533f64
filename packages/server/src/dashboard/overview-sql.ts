import { bindModel } from '../identity/bound-model.js';
import { conversionsSql } from '../identity/conversions-sql.js';
import type { ModelSql } from '../identity/model-views.js';
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

/** The configured conversions of the range (no person resolution: counting needs none). */
function conversionsOf(m: ModelSql, r: DayRange): { sql: string; params: SqlParams } {
  const { model, params } = bindModel(m);
  const sql = conversionsSql(model.rules, model.conversions, { since: new Date(r.sinceMs).toISOString(), until: new Date(r.untilMs).toISOString() });
  return { sql, params };
}

/** Conversions and revenue per day (the configured definitions, as the `conversions` view counts them). */
export function conversionsByDaySql(m: ModelSql, r: DayRange): Statement {
  const c = conversionsOf(m, r);
  return {
    sql: `SELECT ${daySql(m.rules.fns, 'converted_at')} AS day, count(*) AS conversions, coalesce(sum(value), 0) AS revenue FROM (${c.sql}) AS c GROUP BY day ORDER BY day`,
    params: c.params,
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
 * Conversions in the range, and those whose converting visitor carried a marketing touch: the
 * collector's first-touch stamp on the conversion event itself (a raw fact, no identity graph).
 * A cross-device buyer whose buying device only came direct counts as not attributable here,
 * though attribution may still credit the other device's touches.
 */
export function attributableSql(m: ModelSql, r: DayRange): Statement {
  const c = conversionsOf(m, r);
  const f = m.rules.fns;
  return {
    sql: `SELECT count(*) AS conversions, ${f.countIf('e.first_touch_at IS NOT NULL AND e.first_touch_at <= e."timestamp"')} AS attributable
FROM (${c.sql}) AS c JOIN events AS e ON e.message_id = c.message_id AND e.source_id = c.source_id AND e.type = 'track'`,
    params: c.params,
  };
}

/** The rollups' range of day numbers, bound. */
function dayRange(f: SqlDialect, r: DayRange): { where: string; params: SqlParams } {
  const b = f.binding('d');
  return { where: `day >= ${b.value(r.sinceMs / DAY_MS)} AND day < ${b.value(r.untilMs / DAY_MS)}`, params: b.params };
}

/** Events per day from the DuckDB rollup (rollups.ts). */
export function rolledEventsByDaySql(f: SqlDialect, r: DayRange): Statement {
  const w = dayRange(f, r);
  return {
    sql: `SELECT e.day, e.events, coalesce(v.visitors, 0) AS visitors FROM (SELECT day, sum(events) AS events FROM dashboard_event_days WHERE ${w.where} GROUP BY day) AS e
LEFT JOIN (SELECT day, count(*) AS visitors FROM dashboard_visitor_days WHERE ${w.where} GROUP BY day) AS v ON v.day = e.day ORDER BY e.day`,
    params: w.params,
  };
}

/**
 * Distinct visitors of the range from the DuckDB rollup: each visitor's first row in the range is
 * the one whose previous day is before it (visitor-days.ts), so a count without DISTINCT.
 */
export function rolledVisitorsSql(f: SqlDialect, r: DayRange): Statement {
  const b = f.binding('v');
  const since = b.value(r.sinceMs / DAY_MS);
  return {
    sql: `SELECT count(*) AS visitors FROM dashboard_visitor_days WHERE day >= ${since} AND day < ${b.value(r.untilMs / DAY_MS)} AND (prev_day IS NULL OR prev_day < ${since})`,
    params: b.params,
  };
}

export function rolledArrivalsSql(f: SqlDialect, r: DayRange): Statement {
  const w = dayRange(f, r);
  return {
    sql: `SELECT coalesce(library, '(none)') AS library, sum(events) AS arrivals FROM dashboard_event_days WHERE type IN ('page', 'screen') AND ${w.where} GROUP BY library ORDER BY arrivals DESC`,
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

/** Conversions, revenue and attributable conversions per day from the DuckDB rollup. */
export function rolledConversionsSql(f: SqlDialect, r: DayRange): Statement {
  const w = dayRange(f, r);
  return { sql: `SELECT day, sum(conversions) AS conversions, sum(revenue) AS revenue, sum(attributable) AS attributable FROM dashboard_conversion_days WHERE ${w.where} GROUP BY day ORDER BY day`, params: w.params };
}

/** Session health from the DuckDB rollup. */
export function rolledSessionHealthSql(f: SqlDialect, r: DayRange): Statement {
  const w = dayRange(f, r);
  return {
    sql: `SELECT coalesce(sum(sessions), 0) AS sessions, coalesce(sum(with_utm), 0) AS with_utm, coalesce(sum(with_click_id), 0) AS with_click_id, coalesce(sum(with_touch), 0) AS with_touch FROM dashboard_session_days WHERE ${w.where}`,
    params: w.params,
  };
}
