import { createHash } from 'node:crypto';

/**
 * Who did it. `member`: a member through a personal token; `bootstrap`: the admin token;
 * `system`: Touchline itself (a policy change seen at start, the retention pruner); `offline`:
 * the data dir's OS user through the CLI's offline mode; `anonymous`: a request that did not
 * authenticate.
 */
export type ActorType = 'member' | 'bootstrap' | 'system' | 'offline' | 'anonymous';

export interface AuditActor {
  readonly type: ActorType;
  /** Member id (member), OS user name (offline), or null. */
  readonly id: string | null;
  /** What a reader recognises: the member's e-mail address, `admin token`, `touchline`. */
  readonly label: string | null;
  /** The personal token's public id, when one was presented. */
  readonly tokenId: string | null;
}

export type AuditOutcome = 'allowed' | 'denied' | 'failed';

/** One record as a caller hands it in. Secrets must be masked already (maskSecrets). */
export interface AuditEntry {
  readonly actor: AuditActor;
  /** An admin action (`members.add`), or a non-request event (`policy.config-changed`, `offline.sql`, `auth.failed`). */
  readonly action: string;
  readonly target?: string | null;
  readonly params?: unknown;
  readonly outcome: AuditOutcome;
  /** The policy rule that decided (`role.viewer`, `tenure.min-days`, `grant.grt_…`). */
  readonly rule?: string | null;
  readonly reason?: string | null;
  /** The HTTP status answered, for requests. */
  readonly status?: number | null;
  readonly ip?: string | null;
  readonly userAgent?: string | null;
  /** Configuration changes: the value before and after. */
  readonly before?: unknown;
  readonly after?: unknown;
  /** When it happened, if not now (an offline use queued for the next start). */
  readonly occurredAt?: string;
}

/** A stored record: the entry, its place, and its link in the hash chain. */
export interface AuditRecord {
  readonly seq: number;
  readonly id: string;
  readonly occurredAt: string;
  readonly actor: AuditActor;
  readonly action: string;
  readonly target: string | null;
  readonly params: unknown;
  readonly outcome: AuditOutcome;
  readonly rule: string | null;
  readonly reason: string | null;
  readonly status: number | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly before: unknown;
  readonly after: unknown;
  readonly prevHash: string;
  readonly hash: string;
}

/** The hash the first record points back to. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * A record's hash: SHA-256 over the previous hash and every field but seq (which SQLite assigns),
 * in a fixed order. Any edit of a stored field, or a removed record, breaks the chain.
 */
export function recordHash(r: Omit<AuditRecord, 'seq' | 'hash'>): string {
  const fields = [
    r.id, r.occurredAt, r.actor.type, r.actor.id, r.actor.label, r.actor.tokenId, r.action, r.target,
    r.params ?? null, r.outcome, r.rule, r.reason, r.status, r.ip, r.userAgent, r.before ?? null, r.after ?? null,
  ];
  return createHash('sha256').update(r.prevHash).update('\n').update(JSON.stringify(fields)).digest('hex');
}

const SECRET_KEY = /token|secret|password|pepper|authorization|writekey|api[_-]?key|cookie/i;
const PAT = /tl_pat_[0-9a-f]{16}_[A-Za-z0-9_-]+/g;

/**
 * A copy of `value` fit for the audit log: the values of keys that name a secret (token,
 * password, writeKey…) become `***`, and a personal token anywhere in a string becomes its public
 * part. SQL text and names stay: what was asked is the point of the record.
 */
export function maskSecrets(value: unknown, depth = 0): unknown {
  if (depth > 8) return '…';
  if (typeof value === 'string') return value.replace(PAT, (t) => `${t.slice(0, 24)}_***`);
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => maskSecrets(v, depth + 1));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, SECRET_KEY.test(k) && v !== null && v !== undefined && typeof v !== 'boolean' ? '***' : maskSecrets(v, depth + 1)]),
    );
  }
  return value;
}
