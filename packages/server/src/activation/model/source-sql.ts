import { trimStatement } from '../../warehouse/sql-text.js';
import type { Statement, Warehouse } from '../../warehouse/warehouse.js';
import { conversionsModelSql, type ConversionsModelOptions } from './conversions-model.js';

/** A sync's source: the SQL the stage selects from, with the values it binds. */
export type SourceStatement = Statement;

/**
 * The SQL a sync's source stands for: the user's query as written (no parameters), or a built-in
 * model in the warehouse's dialect, its configured values (event names, the lookback) bound,
 * persons resolved under the configured junk ids (`attribution.identity.junkIds`).
 */
export function sourceSql(source: { readonly sql: string } | (ConversionsModelOptions & { readonly model: 'conversions' }), warehouse: Warehouse, nowMs: number, junkIds: readonly string[] = [], excludeSources: readonly string[] = []): SourceStatement {
  if ('sql' in source) return { sql: trimStatement(source.sql), params: {} };
  const sql = warehouse.dialect.binding();
  return { sql: conversionsModelSql({ sql, junkIds, excludeSources }, source, nowMs), params: sql.params };
}

/**
 * A SQL source without the rows of test sources: the query's rows whose `source_id` is one of
 * `excluded` are dropped (the ids bound, never pasted). Null when the query returns no
 * `source_id` column: then Touchline cannot tell where a row came from.
 */
export function withoutSources(statement: SourceStatement, columns: readonly string[], warehouse: Warehouse, excluded: readonly string[]): SourceStatement | null {
  if (excluded.length === 0) return statement;
  if (!columns.includes('source_id')) return null;
  const b = warehouse.dialect.binding();
  const ids = excluded.map((id) => b.string(id)).join(', ');
  return { sql: `SELECT * FROM (${statement.sql}) AS _tl_env WHERE source_id IS NULL OR source_id NOT IN (${ids})`, params: { ...statement.params, ...b.params } };
}
