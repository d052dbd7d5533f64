import type Database from 'better-sqlite3';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isScope, SCOPES, type Scope } from '../policy/actions.js';
import type { PeopleClock } from './people-clock.js';

/**
 * Personal API tokens: `tl_pat_<public id>_<secret>`. The fixed prefix lets secret scanners find a
 * leaked one; the public id finds the row; the secret (32 random bytes) is stored only as
 * HMAC-SHA256 under a pepper kept in the data dir's secrets, so a copy of control.sqlite alone
 * gives no usable token and no offline guessing (random secrets need no slow KDF).
 */
export const TOKEN_PREFIX = 'tl_pat_';
const TOKEN = /^tl_pat_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface ParsedToken {
  readonly id: string;
  readonly secret: string;
}

export const parseToken = (s: string): ParsedToken | null => {
  const m = TOKEN.exec(s);
  return m ? { id: m[1]!, secret: m[2]! } : null;
};

/** A token's row, as listed: never its secret, never its hash. */
export interface TokenInfo {
  /** The public id: how a token is named in lists, the audit log and `tokens revoke`. */
  readonly id: string;
  readonly memberId: string;
  readonly name: string;
  readonly scopes: readonly Scope[];
  readonly createdAt: string;
  /** Who created it: a member id, or `bootstrap`. */
  readonly createdBy: string;
  readonly expiresAt: string;
  readonly revokedAt: string | null;
  readonly revokedReason: string | null;
  readonly lastUsedAt: string | null;
  readonly lastUsedIp: string | null;
}

interface Row {
  id: string;
  member_id: string;
  name: string;
  secret_hmac: Buffer;
  scopes: string;
  created_at: string;
  created_by: string;
  expires_at: string;
  revoked_at: string | null;
  revoked_reason: string | null;
  last_used_at: string | null;
  last_used_ip: string | null;
}

const infoOf = (r: Row): TokenInfo => ({
  id: r.id,
  memberId: r.member_id,
  name: r.name,
  scopes: JSON.parse(r.scopes) as Scope[],
  createdAt: r.created_at,
  createdBy: r.created_by,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  revokedReason: r.revoked_reason,
  lastUsedAt: r.last_used_at,
  lastUsedIp: r.last_used_ip,
});

export class TokenError extends Error {
  override readonly name = 'TokenError';
  constructor(
    readonly kind: 'invalid' | 'not_found',
    message: string,
  ) {
    super(message);
  }
}

/** Why a presented token does not authenticate. Only a token whose secret matched learns it was revoked or expired. */
export type TokenCheck =
  | { readonly ok: true; readonly token: TokenInfo }
  | { readonly ok: false; readonly why: 'malformed' | 'unknown' }
  | { readonly ok: false; readonly why: 'revoked' | 'expired'; readonly token: TokenInfo };

export interface NewToken {
  readonly memberId: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly expiresAt: Date;
  readonly createdBy: string;
}

/** Last-used time and address are written at most this often per token (each write is a commit). */
const TOUCH_EVERY_MS = 60_000;

export function checkScopes(scopes: readonly string[]): Scope[] {
  const bad = scopes.filter((s) => !isScope(s));
  if (bad.length > 0 || scopes.length === 0) throw new TokenError('invalid', `scopes: one or more of ${SCOPES.join(', ')}${bad.length ? ` (not "${bad.join('", "').slice(0, 80)}")` : ''}`);
  return [...new Set(scopes as Scope[])];
}

/** The tokens table: mint, list, revoke, check. `pepper`: the HMAC key, from the data dir's secrets. */
export function tokenStore(db: Database.Database, clock: PeopleClock, pepper: Buffer) {
  const hmac = (id: string, secret: string) => createHmac('sha256', pepper).update(`${id}.${secret}`).digest();
  const byId = db.prepare<[string], Row>('SELECT * FROM tokens WHERE id = ?');
  const touch = db.prepare<[string, string | null, string]>('UPDATE tokens SET last_used_at = ?, last_used_ip = ? WHERE id = ?');
  const get = (id: string): TokenInfo => {
    const r = byId.get(id);
    if (!r) throw new TokenError('not_found', `no token "${id.slice(0, 40)}" (touchline tokens list)`);
    return infoOf(r);
  };

  return {
    get,
    /** Mints a token; the returned `token` string is the only time its secret exists outside the holder. */
    create(t: NewToken): { token: string; info: TokenInfo } {
      const name = t.name.trim();
      if (!name || name.length > 100 || /\p{Cc}/u.test(name)) throw new TokenError('invalid', 'name: 1 to 100 characters, no control characters');
      const scopes = checkScopes(t.scopes);
      if (t.expiresAt.getTime() <= clock.now().getTime()) throw new TokenError('invalid', 'expiry: must be in the future');
      const id = randomBytes(8).toString('hex');
      const secret = randomBytes(32).toString('base64url');
      db.prepare(
        `INSERT INTO tokens (id, member_id, name, secret_hmac, scopes, created_at, created_by, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(id, t.memberId, name, hmac(id, secret), JSON.stringify(scopes), clock.now().toISOString(), t.createdBy, t.expiresAt.toISOString());
      return { token: `${TOKEN_PREFIX}${id}_${secret}`, info: get(id) };
    },
    list(memberId?: string): TokenInfo[] {
      const rows = memberId === undefined
        ? db.prepare<[], Row>('SELECT * FROM tokens ORDER BY created_at, id').all()
        : db.prepare<[string], Row>('SELECT * FROM tokens WHERE member_id = ? ORDER BY created_at, id').all(memberId);
      return rows.map(infoOf);
    },
    revoke(id: string, reason: string): { before: TokenInfo; after: TokenInfo } {
      const before = get(id);
      if (before.revokedAt === null) db.prepare('UPDATE tokens SET revoked_at = ?, revoked_reason = ? WHERE id = ?').run(clock.now().toISOString(), reason.slice(0, 200), id);
      return { before, after: get(id) };
    },
    /** Checks a presented token string, comparing HMACs in constant time. */
    check(presented: string): TokenCheck {
      const parsed = parseToken(presented);
      if (!parsed) return { ok: false, why: 'malformed' };
      const row = byId.get(parsed.id);
      const expected = row?.secret_hmac ?? Buffer.alloc(32);
      const actual = hmac(parsed.id, parsed.secret);
      if (!row || expected.length !== actual.length || !timingSafeEqual(expected, actual)) return { ok: false, why: 'unknown' };
      const token = infoOf(row);
      if (token.revokedAt !== null) return { ok: false, why: 'revoked', token };
      if (Date.parse(token.expiresAt) <= clock.now().getTime()) return { ok: false, why: 'expired', token };
      return { ok: true, token };
    },
    /** Records a use: time and client address (throttled, or when the address changes). */
    touch(token: TokenInfo, ip: string | null): void {
      const now = clock.now();
      const last = token.lastUsedAt === null ? 0 : Date.parse(token.lastUsedAt);
      if (now.getTime() - last < TOUCH_EVERY_MS && token.lastUsedIp === ip) return;
      touch.run(now.toISOString(), ip, token.id);
    },
  };
}
export type TokenStore = ReturnType<typeof tokenStore>;
