import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import type { ClickHouseTouchStore } from './clickhouse-touch-store.js';
import { sqliteTouchStates } from './sqlite-touch-store.js';

/**
 * A collector that moves from its own SQLite store to the shared ClickHouse store keeps what it
 * knew: the visitors in `path` are added to ClickHouse (merged as facts, so the earliest first
 * touch wins when several collectors bring the same visitor), then the file is renamed
 * `<path>.imported` so the next start does not read it again. Returns how many visitors were
 * moved, or `null` when there is no file.
 */
export async function importSqliteTouches(path: string, store: ClickHouseTouchStore, log: (msg: string, f?: Record<string, unknown>) => void): Promise<number | null> {
  if (!existsSync(path)) return null;
  const n = await store.importStates(sqliteTouchStates(path));
  for (const suffix of ['-wal', '-shm']) if (existsSync(path + suffix)) await rename(path + suffix, `${path}.imported${suffix}`);
  await rename(path, `${path}.imported`);
  log('moved the SQLite touch store into ClickHouse', { visitors: n, file: `${path}.imported` });
  return n;
}
