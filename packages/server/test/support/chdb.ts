import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openClickHouseWarehouse, type ClickHouseWarehouse } from '../../src/warehouse/clickhouse/clickhouse-warehouse.js';
import type { DisposableWarehouse } from './warehouses.js';

/**
 * A *current* ClickHouse release in process, through chDB's connection for @clickhouse/client.
 * CI has only Debian's 18.16 server; chDB is ~550 MB and not a project dependency:
 * `npm install --no-save chdb`, or TOUCHLINE_CHDB_CONNECTION=/path/to/chdb/dist/connection/index.js.
 */
export interface Chdb {
  createChdbConnection(o: { path: string }): unknown;
}

const specifier = process.env['TOUCHLINE_CHDB_CONNECTION'] ?? 'chdb/connection';

/** chDB, or null when it is not installed (a reason is printed); an install that fails to load fails. */
export async function loadChdb(what: string): Promise<Chdb | null> {
  try {
    return (await import(/* @vite-ignore */ specifier)) as Chdb;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw err;
    console.warn(`${what} skipped: chDB not found (${specifier}); npm install --no-save chdb to run it`);
    return null;
  }
}

type Params = { query?: string; clickhouse_settings?: Record<string, unknown> };
type Conn = Record<string, (params: Params) => Promise<unknown>>;

/**
 * chDB's connection turns per-request settings into session-wide `SET`s and ignores the client's
 * default database. On a real server both are per request, so this wrapper makes chDB behave the
 * same: `USE <database>` once, and `readonly` left out (it would stick to the session). The
 * server-side read-only check is covered by the 18.16 run; here Touchline's own check refuses.
 */
export function perRequestSettings(conn: Conn, database: string): Conn {
  let ready: Promise<unknown> | null = null;
  const prepare = () =>
    (ready ??= conn['command']!({ query: `CREATE DATABASE IF NOT EXISTS ${database}` }).then(() => conn['command']!({ query: `USE ${database}` })));
  return new Proxy(conn, {
    get(target, key) {
      const v = Reflect.get(target, key) as unknown;
      if (typeof v !== 'function' || !['query', 'command', 'exec', 'insert'].includes(String(key))) {
        return typeof v === 'function' ? v.bind(target) : v;
      }
      return async (params: Params) => {
        await prepare();
        const { readonly: _drop, ...settings } = params.clickhouse_settings ?? {};
        return (v as (p: Params) => Promise<unknown>).call(target, { ...params, clickhouse_settings: settings });
      };
    },
  });
}

/** A warehouse on chDB in a fresh folder, removed on dispose. */
export async function chdbWarehouse(chdb: Chdb, database: string): Promise<DisposableWarehouse<ClickHouseWarehouse>> {
  const dir = await mkdtemp(join(tmpdir(), 'touchline-chdb-'));
  const warehouse = await openClickHouseWarehouse({
    url: 'http://chdb.invalid',
    database,
    connection: () => perRequestSettings(chdb.createChdbConnection({ path: dir }) as Conn, database) as never,
  });
  return {
    warehouse,
    async dispose() {
      await warehouse.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
