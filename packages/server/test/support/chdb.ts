/**
 * A *current* ClickHouse release in process, through chDB's connection for @clickhouse/client. CI
 * has only Debian's 18.16 server, so the suites using it run where chDB is installed (it is
 * ~550 MB, not a project dependency):  npm install --no-save chdb   or
 * TOUCHLINE_CHDB_CONNECTION=/path/to/chdb/dist/connection/index.js
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openClickHouseWarehouse, type ClickHouseWarehouse } from '../../src/warehouse/clickhouse/clickhouse-warehouse.js';
import type { DisposableWarehouse } from './warehouses.js';

const specifier = process.env['TOUCHLINE_CHDB_CONNECTION'] ?? 'chdb/connection';

export type Chdb = { createChdbConnection(o: { path: string }): unknown };

/** chDB's connection module, or null (with the reason printed once) when it is not installed. */
export async function loadChdb(what = 'current-release ClickHouse tests'): Promise<Chdb | null> {
  try {
    return (await import(/* @vite-ignore */ specifier)) as Chdb;
  } catch (err) {
    // Not installed: skip, saying so. Installed but broken: fail, loudly.
    const code = (err as { code?: string }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw err;
    console.warn(`${what} skipped: chDB not found (${specifier}); npm install --no-save chdb to run them`);
    return null;
  }
}

type Params = { query?: string; clickhouse_settings?: Record<string, unknown> };
type Conn = Record<string, (params: Params) => Promise<unknown>>;

/** Settings that would change what later statements may do if they stuck to chDB's session. */
const QUERY_ONLY = ['readonly', 'max_result_rows', 'result_overflow_mode'];
/** What chDB's connection itself maps or drops (HTTP transport settings, the output format). */
const FOR_THE_CONNECTION = /^(default_format|wait_end_of_query|send_progress_in_http_headers|enable_http_compression|http_.*)$/;

function settingsClause(settings: Record<string, unknown>): string {
  const literal = (v: unknown) => (typeof v === 'number' || /^\d+$/.test(String(v)) ? String(v) : `'${String(v).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);
  // `readonly` last, as it is in the HTTP request.
  const entries = Object.entries(settings).sort(([a], [b]) => Number(a === 'readonly') - Number(b === 'readonly'));
  return entries.map(([k, v]) => `${k} = ${literal(v)}`).join(', ');
}

/**
 * chDB's connection turns per-request settings into session-wide `SET`s and ignores the client's
 * default database. On a real server both are per request, so this wrapper makes chDB behave the
 * same: `USE <database>` once, and a read's settings (`readonly=1` included) become its own
 * trailing `SETTINGS` clause, so the server-side read-only mode is exercised on the current
 * release too. Statements that take no SETTINGS clause (SHOW, DESCRIBE, EXPLAIN) run without the
 * query-only settings; Touchline's own statement check still applies to them.
 */
function perRequestSettings(conn: Conn, database: string): Conn {
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
        const settings = { ...(params.clickhouse_settings ?? {}) };
        const query = params.query;
        if (key === 'query' && query !== undefined && /^[\s(]*(SELECT|WITH)\b/i.test(query)) {
          const inQuery = Object.fromEntries(Object.entries(settings).filter(([k]) => !FOR_THE_CONNECTION.test(k)));
          const forConnection = Object.fromEntries(Object.entries(settings).filter(([k]) => FOR_THE_CONNECTION.test(k)));
          if (Object.keys(inQuery).length > 0) {
            // The client has appended `FORMAT <name>`; SETTINGS goes before it.
            const format = / \nFORMAT \w+$/.exec(query);
            const body = format ? query.slice(0, format.index) : query;
            const withSettings = `${body}\nSETTINGS ${settingsClause(inQuery)}${format?.[0] ?? ''}`;
            return (v as (p: Params) => Promise<unknown>).call(target, { ...params, query: withSettings, clickhouse_settings: forConnection });
          }
        }
        for (const k of QUERY_ONLY) delete settings[k];
        return (v as (p: Params) => Promise<unknown>).call(target, { ...params, clickhouse_settings: settings });
      };
    },
  });
}

/** A warehouse on a fresh chDB session in a temporary folder (removed on dispose). */
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

/** The chDB connection for another Touchline component (the touch store) on the same folder. */
export function chdbConnection(chdb: Chdb, path: string, database: string) {
  return {
    url: 'http://chdb.invalid',
    database,
    connection: () => perRequestSettings(chdb.createChdbConnection({ path }) as Conn, database) as never,
  };
}
