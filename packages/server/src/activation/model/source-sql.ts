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
export function sourceSql(source: { readonly sql: string } | (ConversionsModelOptions & { readonly model: 'conversions' }), warehouse: Warehouse, nowMs: number, junkIds: readonly string[] = []): SourceStatement {
  if ('sql' in source) return { sql: trimStatement(source.sql), params: {} };
  const sql = warehouse.dialect.binding();
  return { sql: conversionsModelSql({ sql, junkIds }, source, nowMs), params: sql.params };
}
