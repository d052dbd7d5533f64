import type { ClickHouseWarehouse } from '../../warehouse/clickhouse/clickhouse-warehouse.js';
import { trimStatement } from '../../warehouse/sql-text.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import type { SyncSource } from '../config/activation-config.js';
import { conversionsModelSql } from './conversions-model.js';
import { clickhouseModelSql, duckdbModelSql, type ModelSql } from './model-sql.js';

/**
 * The model SQL helpers for a warehouse's engine (and, on ClickHouse, what its server can do),
 * with the configured junk ids (`attribution.identity.junkIds`) persons are resolved under.
 */
export function modelSqlFor(warehouse: Warehouse, junkIds: readonly string[] = []): ModelSql {
  if (warehouse.engine !== 'clickhouse') return { ...duckdbModelSql, junkIds };
  const f = (warehouse as ClickHouseWarehouse).features;
  return clickhouseModelSql({ timestamps: f?.timestamps ?? 'datetime64', jsonExtract: f?.jsonExtract ?? true }, junkIds);
}

/** The SQL a sync's source stands for: the user's query as written, or a built-in model. */
export function sourceSql(source: SyncSource, warehouse: Warehouse, nowMs: number, junkIds: readonly string[] = []): string {
  if ('sql' in source) return trimStatement(source.sql);
  return conversionsModelSql(modelSqlFor(warehouse, junkIds), source, nowMs);
}
