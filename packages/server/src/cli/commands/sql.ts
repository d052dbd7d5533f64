import { resolve } from 'node:path';
import type { Config } from '../../config/config.js';
import { openWarehouse } from '../../warehouse/open-warehouse.js';
import type { QueryResult } from '../../warehouse/warehouse.js';
import { formatResult, type OutputFormat } from '../format.js';
import { findRunningServer } from '../server-handle.js';
import { offlineUse } from '../offline.js';

/**
 * `touchline sql "<query>"`: read-only SQL. Through the running server's admin API when there is
 * one (it holds the database), else directly on the warehouse, opened read-only.
 */
export async function runQuery(config: Config, sql: string): Promise<QueryResult> {
  const server = await findRunningServer(config);
  if (server) return server.call<QueryResult>('POST', '/admin/sql', { sql });
  await offlineUse(config, 'sql', { sql });
  const warehouse = await openWarehouse(config.warehouse, resolve(config.dataDir), { readOnly: true });
  try {
    return await warehouse.query(sql);
  } finally {
    await warehouse.close();
  }
}

export async function sqlCommand(config: Config, sql: string, format: OutputFormat, out: (s: string) => void): Promise<void> {
  out(formatResult(await runQuery(config, sql), format));
}
