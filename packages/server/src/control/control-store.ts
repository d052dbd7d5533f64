import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { PRIVATE_FILE_MODE } from '../data-dir/private-files.js';
import { MIGRATIONS, type Migration } from './migrations.js';

export const CONTROL_FILE = 'control.sqlite';

/** The control store's file in a data dir. */
export const controlStorePath = (dataDir: string): string => join(dataDir, CONTROL_FILE);

/**
 * Touchline's control data — members, token hashes, grants, policy overrides, the audit log —
 * in SQLite, apart from the warehouse: no analyst query can reach it (DuckDB runs with file
 * access off; ClickHouse never sees this file). better-sqlite3 12.x (13.x needs Node 22).
 */
export interface ControlStore {
  readonly db: Database.Database;
  readonly path: string;
  /** The schema version this file is at. */
  readonly version: number;
  close(): void;
}

export interface ControlStoreOptions {
  /** Open without writing (the CLI's offline mode): no migration, no file created. @defaultValue false */
  readonly readOnly?: boolean;
  /** The migrations to apply (tests add their own). @defaultValue every released one */
  readonly migrations?: readonly Migration[];
}

/** A control store problem the operator fixes (a newer file, a missing one). */
export class ControlStoreError extends Error {
  override readonly name = 'ControlStoreError';
}

function migrate(db: Database.Database, path: string, migrations: readonly Migration[]): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new ControlStoreError(`${path} is at schema version ${current}, written by a newer Touchline (this one knows ${latest}): upgrade Touchline, or restore the data dir from a backup`);
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    // Each migration and its version number in one transaction: a crash leaves the file at the last whole version.
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
  return Math.max(current, latest);
}

/** Opens (and on first use creates, 0600) `path`, and brings its schema up to date. */
export function openControlStore(path: string, o: ControlStoreOptions = {}): ControlStore {
  if (o.readOnly) {
    if (!existsSync(path)) throw new ControlStoreError(`${path} does not exist yet: it is created by the first \`touchline start\``);
    const db = new Database(path, { readonly: true, fileMustExist: true });
    return { db, path, version: db.pragma('user_version', { simple: true }) as number, close: () => db.close() };
  }
  // Created private before SQLite opens it, whatever the umask of the process that got here first.
  if (!existsSync(path)) closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  chmodSync(path, PRIVATE_FILE_MODE);
  const db = new Database(path);
  try {
    // Every commit reaches the disk: an audit record acknowledged is an audit record kept.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    const version = migrate(db, path, o.migrations ?? MIGRATIONS);
    for (const side of [`${path}-wal`, `${path}-shm`]) if (existsSync(side)) chmodSync(side, PRIVATE_FILE_MODE);
    return { db, path, version, close: () => db.close() };
  } catch (err) {
    db.close();
    throw err;
  }
}
