import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { GrantCipher } from './grant-cipher.js';

/** A destination's connection as stored: `reconnect_required` once the vendor killed the grant. */
export type GrantStatus = 'connected' | 'reconnect_required' | 'misconfigured';

export interface StoredGrant {
  readonly destination: string;
  readonly provider: string;
  readonly refreshToken?: string;
  readonly refreshExpiresAt?: number;
  readonly accessToken?: string;
  readonly accessExpiresAt?: number;
  readonly instanceUrl?: string;
  readonly status: GrantStatus;
  /** Why it is not `connected` (the vendor's code and advice; never a token). */
  readonly reason: string | null;
  readonly connectedAt: string;
  readonly connectedBy: string | null;
  readonly updatedAt: string;
}

/** A connect flow waiting for its callback. */
export interface PendingConnect {
  readonly destination: string;
  readonly verifier?: string;
  readonly redirectUri: string;
  readonly startedBy: string | null;
}

interface GrantRow {
  destination: string;
  provider: string;
  refresh_token: Buffer | null;
  refresh_expires_at: number | null;
  access_token: Buffer | null;
  access_expires_at: number | null;
  instance_url: string | null;
  status: GrantStatus;
  reason: string | null;
  connected_at: string;
  connected_by: string | null;
  updated_at: string;
}

const stateHash = (state: string) => createHash('sha256').update(state, 'utf8').digest('hex');

/** A stored grant from its row, each token opened (unsealed) by `open`. */
function grantOf(r: GrantRow, open: (dest: string, column: string, v: Buffer | null) => string | undefined): StoredGrant {
  const refreshToken = open(r.destination, 'refresh token', r.refresh_token);
  const accessToken = open(r.destination, 'access token', r.access_token);
  return {
    destination: r.destination,
    provider: r.provider,
    ...(refreshToken !== undefined ? { refreshToken } : {}),
    ...(r.refresh_expires_at !== null ? { refreshExpiresAt: r.refresh_expires_at } : {}),
    ...(accessToken !== undefined ? { accessToken } : {}),
    ...(r.access_expires_at !== null ? { accessExpiresAt: r.access_expires_at } : {}),
    ...(r.instance_url !== null ? { instanceUrl: r.instance_url } : {}),
    status: r.status,
    reason: r.reason,
    connectedAt: r.connected_at,
    connectedBy: r.connected_by,
    updatedAt: r.updated_at,
  };
}

/** Deletes the flow with this state hash and returns it: `expired` when too old, undefined when unknown. */
function takePending(db: Database.Database, hash: string, nowMs: number, open: (dest: string, column: string, v: Buffer | null) => string | undefined): PendingConnect | 'expired' | undefined {
  const row = db
    .prepare<[string], { destination: string; pkce_verifier: Buffer | null; redirect_uri: string; started_by: string | null; expires_at: number }>(
      'DELETE FROM oauth_pending WHERE state_hash = ? RETURNING destination, pkce_verifier, redirect_uri, started_by, expires_at',
    )
    .get(hash);
  if (!row) return undefined;
  if (row.expires_at <= nowMs) return 'expired';
  const verifier = open(row.destination, 'PKCE verifier', row.pkce_verifier);
  return { destination: row.destination, redirectUri: row.redirect_uri, startedBy: row.started_by, ...(verifier !== undefined ? { verifier } : {}) };
}

/**
 * Destination grants and pending connect flows in the control store (migration 4), tokens sealed
 * by `cipher`. Every write is one statement (SQLite commits it durably, `synchronous = FULL`), so
 * a rotated refresh token saved here survives a crash the moment the call returns.
 */
export function grantStore(db: Database.Database, cipher: GrantCipher, now: () => number) {
  const iso = () => new Date(now()).toISOString();
  const seal = (dest: string, column: string, v: string | undefined) => (v === undefined ? null : cipher.seal(v, `${column} of ${dest}`));
  const open = (dest: string, column: string, v: Buffer | null) => (v === null ? undefined : cipher.open(v, `${column} of ${dest}`));
  const fromRow = (r: GrantRow): StoredGrant => grantOf(r, open);
  const get = (destination: string): StoredGrant | undefined => {
    const row = db.prepare<[string], GrantRow>('SELECT * FROM destination_grants WHERE destination = ?').get(destination);
    return row ? fromRow(row) : undefined;
  };

  return {
    get,
    list: (): StoredGrant[] => db.prepare<[], GrantRow>('SELECT * FROM destination_grants ORDER BY destination').all().map(fromRow),
    /** A new grant (connect, reconnect): replaces the old one whole. */
    connect(g: { destination: string; provider: string; refreshToken?: string; refreshExpiresAt?: number; accessToken?: string; accessExpiresAt?: number; instanceUrl?: string; by: string | null }): void {
      const at = iso();
      db.prepare(
        `INSERT INTO destination_grants (destination, provider, refresh_token, refresh_expires_at, access_token, access_expires_at, instance_url, status, reason, connected_at, connected_by, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'connected', NULL, ?, ?, ?)
         ON CONFLICT (destination) DO UPDATE SET provider = excluded.provider, refresh_token = excluded.refresh_token, refresh_expires_at = excluded.refresh_expires_at,
           access_token = excluded.access_token, access_expires_at = excluded.access_expires_at, instance_url = excluded.instance_url, status = 'connected', reason = NULL,
           connected_at = excluded.connected_at, connected_by = excluded.connected_by, updated_at = excluded.updated_at`,
      ).run(
        g.destination, g.provider, seal(g.destination, 'refresh token', g.refreshToken), g.refreshExpiresAt ?? null,
        seal(g.destination, 'access token', g.accessToken), g.accessExpiresAt ?? null, g.instanceUrl ?? null, at, g.by, at,
      );
    },
    /** A rotated refresh token: written before the access token minted with it is used. */
    saveRefreshToken(destination: string, refreshToken: string, expiresAt: number | undefined): void {
      const changed = db
        .prepare('UPDATE destination_grants SET refresh_token = ?, refresh_expires_at = COALESCE(?, refresh_expires_at), updated_at = ? WHERE destination = ?')
        .run(seal(destination, 'refresh token', refreshToken), expiresAt ?? null, iso(), destination).changes;
      if (changed !== 1) throw new Error(`no grant is stored for destination ${destination}`);
    },
    /** The current access token, so a restart does not mint a new one it does not need. */
    saveAccess(destination: string, access: { accessToken: string; expiresAt?: number; instanceUrl?: string }): void {
      db.prepare('UPDATE destination_grants SET access_token = ?, access_expires_at = ?, instance_url = COALESCE(?, instance_url), updated_at = ? WHERE destination = ?').run(
        seal(destination, 'access token', access.accessToken), access.expiresAt ?? null, access.instanceUrl ?? null, iso(), destination,
      );
    },
    /** The vendor refused the grant for good: shown until a person reconnects. */
    markDead(destination: string, status: Exclude<GrantStatus, 'connected'>, reason: string): void {
      db.prepare('UPDATE destination_grants SET status = ?, reason = ?, updated_at = ? WHERE destination = ?').run(status, reason, iso(), destination);
    },
    remove: (destination: string): boolean => db.prepare('DELETE FROM destination_grants WHERE destination = ?').run(destination).changes === 1,
    /** Remembers a flow until `expiresAt` (epoch ms); the state itself is not stored, only its hash. */
    putPending(state: string, p: PendingConnect & { expiresAt: number }): void {
      db.prepare('DELETE FROM oauth_pending WHERE expires_at <= ?').run(now());
      db.prepare('INSERT INTO oauth_pending (state_hash, destination, pkce_verifier, redirect_uri, started_by, expires_at) VALUES (?, ?, ?, ?, ?, ?)').run(
        stateHash(state), p.destination, seal(p.destination, 'PKCE verifier', p.verifier), p.redirectUri, p.startedBy, p.expiresAt,
      );
    },
    /**
     * Takes a flow by its state: deleted in the same statement, so a replayed callback finds
     * nothing. `expired` when it was there but too old; undefined when unknown or already used.
     */
    takePending: (state: string): PendingConnect | 'expired' | undefined => takePending(db, stateHash(state), now(), open),
  };
}
export type GrantStore = ReturnType<typeof grantStore>;
