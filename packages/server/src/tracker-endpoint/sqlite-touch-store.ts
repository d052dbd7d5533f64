import Database from 'better-sqlite3';
import type { Touch, TouchState } from '@touchline/protocol';
import { mergeStored, touchStateOf, type TouchStore, type VisitorUpdate } from './touch-store.js';

export interface SqliteTouchStoreOptions {
  /** File path (created if missing); `:memory:` for a throw-away store. */
  readonly path: string;
  /**
   * `normal`: each update survives a crash of the process (WAL), the last ones may be lost if the
   * machine loses power. `full`: fsync on every commit (several times slower).
   * @defaultValue `'normal'`
   */
  readonly synchronous?: 'normal' | 'full';
}

interface Row {
  first: string | null;
  last: string | null;
  session: string | null;
  seen: string | null;
}

const parse = (s: string | null): Touch | undefined => (s ? (JSON.parse(s) as Touch) : undefined);
const text = (t: Touch | undefined): string | null => (t ? JSON.stringify(t) : null);

function stateOfRow(r: Row): TouchState {
  return touchStateOf(parse(r.first), parse(r.last), parse(r.session), r.seen);
}

/**
 * Every visitor in a SQLite touch store file, one at a time (moving it to another store). The
 * file is opened read-write so that a write-ahead log left by a crash is read too; it is closed
 * when the iteration ends.
 */
export function* sqliteTouchStates(path: string): Generator<readonly [string, TouchState]> {
  const db = new Database(path, { fileMustExist: true });
  try {
    const rows = db.prepare<[], Row & { visitor_id: string }>('SELECT visitor_id, first, last, session, seen FROM visitor_touches').iterate();
    for (const r of rows) yield [r.visitor_id, stateOfRow(r)] as const;
  } finally {
    db.close();
  }
}

/** Opens the file with its pragmas and table, and prepares the statements the store runs. */
function openTouchDb(o: SqliteTouchStoreOptions) {
  const db = new Database(o.path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${o.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('busy_timeout = 5000');
  db.exec(`CREATE TABLE IF NOT EXISTS visitor_touches (
    visitor_id TEXT PRIMARY KEY,
    first TEXT,
    last TEXT,
    session TEXT,
    seen TEXT,
    updated_at TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS visitor_touches_seen ON visitor_touches (seen);`);
  const select = db.prepare<[string], Row>('SELECT first, last, session, seen FROM visitor_touches WHERE visitor_id = ?');
  const upsert = db.prepare<[string, string | null, string | null, string | null, string | null, string]>(
    `INSERT INTO visitor_touches (visitor_id, first, last, session, seen, updated_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (visitor_id) DO UPDATE SET
       first = COALESCE(visitor_touches.first, excluded.first),
       last = excluded.last, session = excluded.session, seen = excluded.seen, updated_at = excluded.updated_at`,
  );
  const prune = db.prepare<[string]>('DELETE FROM visitor_touches WHERE seen IS NULL OR seen < ?');
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM visitor_touches');
  const forgetOne = db.prepare<[string]>('DELETE FROM visitor_touches WHERE visitor_id = ?');
  const forget = db.transaction((ids: readonly string[]) => [...new Set(ids)].reduce((n, id) => n + forgetOne.run(id).changes, 0));
  return { db, select, upsert, prune, count, forget };
}

/**
 * The embedded touch store: SQLite (better-sqlite3 12.x; 13.x needs Node 22) in the data dir.
 * Chosen for point lookups and single-row upserts by primary key, which it does in microseconds
 * (see README.md: measured against DuckDB, whose per-commit cost is two orders of magnitude
 * higher). Synchronous calls: each `update` is one transaction, atomic by construction. The SQL
 * keeps `first` write-once as well (`COALESCE`), not only the code.
 */
export function openSqliteTouchStore(o: SqliteTouchStoreOptions): TouchStore {
  const { db, select, upsert, prune, count, forget } = openTouchDb(o);
  const read = (id: string): TouchState | undefined => {
    const r = select.get(id);
    return r && stateOfRow(r);
  };
  const apply = (id: string, step: (prev: TouchState) => TouchState, now: string): TouchState => {
    const row = select.get(id);
    const prev = row ? stateOfRow(row) : {};
    const next = step(prev);
    if (next === prev) return prev;
    const stored = mergeStored(prev, next);
    // A touch the step kept (most updates only move `seen`) is written back as it was read, not
    // serialised again: stamping every SDK's events runs this for each request's visitors.
    const keep = (t: Touch | undefined, was: Touch | undefined, raw: string | null | undefined) => (t !== undefined && t === was ? (raw ?? null) : text(t));
    upsert.run(id, keep(stored.first, prev.first, row?.first), keep(stored.last, prev.last, row?.last), keep(stored.session, prev.session, row?.session), stored.seen ?? null, now);
    return stored;
  };
  const update = db.transaction((id: string, step: (prev: TouchState) => TouchState) => apply(id, step, new Date().toISOString()));
  // A request's visitors in one transaction: one commit instead of one per visitor (about ten
  // times cheaper per update; `npm run bench -- touch-store`).
  // The clock is read once per transaction: its updates happen together.
  const updateMany = db.transaction((updates: readonly VisitorUpdate[]): TouchState[] => {
    const now = new Date().toISOString();
    return updates.map(([id, step]) => apply(id, step, now));
  });
  let open = true;
  return {
    get: async (id) => read(id),
    // `immediate`: take the write lock before reading, so two processes sharing the file cannot interleave
    update: async (id, step) => update.immediate(id, step),
    updateMany: async (updates) => updateMany.immediate(updates),
    prune: async (before) => prune.run(before).changes,
    count: async () => count.get()!.n,
    forget: async (ids) => forget.immediate(ids),
    async close() {
      if (open) db.close();
      open = false;
    },
  };
}
