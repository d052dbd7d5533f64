import { personKeySql } from '../../identity/touch-sql.js';
import type { SqlDialect } from '../../warehouse/dialect/dialect.js';

/**
 * What the built-in models are written against: the warehouse's dialect (a `binding()` copy, so
 * configured values are bound parameters) and the configured junk ids persons are resolved under.
 * One query shape runs on DuckDB and on ClickHouse 18.16, which has no window functions, no CTE
 * subqueries and one JOIN per SELECT: every model is nested subqueries joined two at a time on
 * pre-aggregated sides.
 */
export interface PersonSql {
  readonly sql: SqlDialect;
  /** Ids that identify nobody beyond the built-in list (`attribution.identity.junkIds`). */
  readonly junkIds: readonly string[];
  /** Sources whose events are left out: test sources, for a production destination (docs/governance.md). @defaultValue none */
  readonly excludeSources?: readonly string[];
}

const EVENT_COLUMNS = [
  'message_id', 'type', 'event', '"timestamp"', 'anonymous_id', 'user_id', 'url', 'user_agent', 'is_bot', 'ip', 'gpc', 'consent',
  'properties', 'traits', 'gclid', 'gbraid', 'wbraid', 'fbclid', 'click_id_type', 'click_id',
].join(', ');

/**
 * The identity interface the model is written against: every event with its `person_id`, resolved
 * exactly as the `persons`, `sessions` and `conversions` views resolve it (identity/model-views.ts),
 * so activation and attribution agree on who a person is. An event belongs to its user id, else
 * its anonymous id (junk ids, built-in and `attribution.identity.junkIds`, are no id); `id_map`
 * gives that id's root (alias chains, anonymous ids identified as a user, emails), every other id
 * is its own root; `person_id` is the MD5 of the root, the `persons` view's person id. The identity
 * guardrails hold here too: an anonymous id shared by users of different persons merges nothing.
 * An event without a usable id is a person of its own (`#source:message`, as in `conversions`).
 *
 * Needs the derived identity views (`createDerivedModel(...).ensure()`) wherever the model runs.
 */
export function eventsWithPerson(m: PersonSql, where: string): string {
  const f = m.sql;
  const key = personKeySql({ fns: f, junkIds: m.junkIds });
  const lone = f.concat(["'#'", 'source_id', "':'", 'message_id']);
  const excluded = m.excludeSources?.length ? ` AND source_id NOT IN (${m.excludeSources.map((id) => f.string(id)).join(', ')})` : '';
  // Unqualified, prefixed names: ClickHouse 18.16 neither resolves `alias.column` on joined
  // subqueries nor tells apart aliases of the same name in different subqueries.
  return (
    `SELECT ${EVENT_COLUMNS}, ${f.md5('coalesce(_tl_map_root, _tl_key, _tl_lone)')} AS person_id ` +
    `FROM (SELECT ${EVENT_COLUMNS}, ${key} AS _tl_key, ${lone} AS _tl_lone FROM events WHERE (${where})${excluded}) AS _tl_e ` +
    `${f.leftJoin} (SELECT id AS _tl_map_id, ${f.nullable('root_id')} AS _tl_map_root FROM id_map) AS _tl_m ON _tl_key = _tl_map_id`
  );
}
