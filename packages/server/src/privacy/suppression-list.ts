import type Database from 'better-sqlite3';
import type { IdentifierHasher } from './identifier-hash.js';

/**
 * The suppression list: keyed hashes of every identifier of every person a privacy request
 * removed. Events naming one of them are dropped at ingest (before the spool) and by the loader
 * (for events already spooled), and syncs and forwarding skip rows that name one. Held in memory
 * (a Set of hashes) and in the control store; `setShared` holds the hashes other collectors
 * published (shared-suppressions.ts; docs/governance.md, "Several collectors").
 */
export interface SuppressionList {
  /** Whether any of these identifiers is suppressed (undefined and empty ones are skipped). */
  has(ids: readonly (string | undefined)[]): boolean;
  /** How many hashes are held: 0 means every check is free. */
  readonly size: number;
  add(requestId: string, hashes: readonly string[], at: string): void;
  /** Removes the entries of one request; returns how many hashes were removed. */
  remove(requestId: string): number;
  /** Entries by request, newest first. */
  list(): SuppressionEntry[];
  /**
   * Replaces the hashes known elsewhere (the collectors' published table, as of its last poll):
   * held in memory only, never written to this control store. Local hashes among them are ignored.
   */
  setShared(hashes: Iterable<string>): void;
  /** This collector's own hashes (its control store's), which it publishes. */
  localHashes(): ReadonlySet<string>;
  /** Every hash held, local and shared. */
  hashes(): ReadonlySet<string>;
  readonly dropped: DroppedCounts;
}

export interface SuppressionEntry {
  readonly requestId: string;
  readonly createdAt: string;
  readonly hashes: number;
}

/** What the list kept out since the start (the loader's drops are not counted: it reads a batch more than once). */
export interface DroppedCounts {
  /** Events dropped at ingest. */
  ingest: number;
  /** Rows syncs and forwarding did not send. */
  sync: number;
}

/** The list over the control store's `suppressions` table. */
export function suppressionList(db: Database.Database, hash: IdentifierHasher): SuppressionList {
  const local = new Set<string>(db.prepare<[], { hash: string }>('SELECT hash FROM suppressions').all().map((r) => r.hash));
  const remote = new Set<string>();
  const dropped: DroppedCounts = { ingest: 0, sync: 0 };
  const insert = db.prepare('INSERT OR IGNORE INTO suppressions (hash, request_id, created_at) VALUES (?, ?, ?)');
  const held = (h: string) => local.has(h) || remote.has(h);
  return {
    has(ids) {
      if (local.size === 0 && remote.size === 0) return false;
      for (const id of ids) if (id !== undefined && id !== '' && held(hash(id))) return true;
      return false;
    },
    get size() {
      return local.size + remote.size;
    },
    add(requestId, hashes, at) {
      db.transaction(() => {
        for (const h of hashes) insert.run(h, requestId, at);
      })();
      for (const h of hashes) local.add(h);
    },
    remove(requestId) {
      const gone = db.prepare<[string], { hash: string }>('SELECT hash FROM suppressions WHERE request_id = ?').all(requestId).map((r) => r.hash);
      db.prepare('DELETE FROM suppressions WHERE request_id = ?').run(requestId);
      for (const h of gone) {
        local.delete(h);
        remote.delete(h);
      }
      return gone.length;
    },
    list: () =>
      db.prepare<[], SuppressionEntry>('SELECT request_id AS requestId, min(created_at) AS createdAt, count(*) AS hashes FROM suppressions GROUP BY request_id ORDER BY createdAt DESC').all(),
    setShared(hashes) {
      remote.clear();
      for (const h of hashes) if (!local.has(h)) remote.add(h);
    },
    localHashes: () => new Set(local),
    hashes: () => new Set([...local, ...remote]),
    dropped,
  };
}
