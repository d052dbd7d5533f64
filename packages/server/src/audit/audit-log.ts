import type Database from 'better-sqlite3';
import { GENESIS_HASH, recordHash, type AuditEntry, type AuditOutcome, type AuditRecord, type ActorType } from './audit-record.js';

/** The time and ids the audit log uses, passed in (tests fix both). */
export interface AuditClock {
  now(): Date;
  newId(prefix: string): string;
}

export interface AuditQuery {
  /** ISO instant or date: records at or after it. */
  readonly since?: string | undefined;
  /** A member id or e-mail address (the actor). */
  readonly member?: string | undefined;
  /** An action name, or a prefix ending in `.` / `*` (`members.`, `syncs.*`). */
  readonly action?: string | undefined;
  /** Newest first, at most this many. @defaultValue 100 */
  readonly limit?: number | undefined;
}

/** What `audit verify` finds: the chain whole, or the first record where it breaks. */
export type ChainCheck =
  | { readonly ok: true; readonly records: number; readonly head: string }
  | { readonly ok: false; readonly records: number; readonly seq: number; readonly problem: string };

interface Row {
  seq: number;
  id: string;
  occurred_at: string;
  actor_type: string;
  actor_id: string | null;
  actor_label: string | null;
  token_id: string | null;
  action: string;
  target: string | null;
  params: string | null;
  outcome: string;
  rule: string | null;
  reason: string | null;
  status: number | null;
  ip: string | null;
  user_agent: string | null;
  before: string | null;
  after: string | null;
  prev_hash: string;
  hash: string;
}

const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));
const parse = (s: string | null): unknown => (s === null ? null : (JSON.parse(s) as unknown));

const recordOf = (r: Row): AuditRecord => ({
  seq: r.seq,
  id: r.id,
  occurredAt: r.occurred_at,
  actor: { type: r.actor_type as ActorType, id: r.actor_id, label: r.actor_label, tokenId: r.token_id },
  action: r.action,
  target: r.target,
  params: parse(r.params),
  outcome: r.outcome as AuditOutcome,
  rule: r.rule,
  reason: r.reason,
  status: r.status,
  ip: r.ip,
  userAgent: r.user_agent,
  before: parse(r.before),
  after: parse(r.after),
  prevHash: r.prev_hash,
  hash: r.hash,
});

/** The newest records matching `q` (at most 10,000), every value bound. */
function queryAudit(db: Database.Database, q: AuditQuery): AuditRecord[] {
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (q.since) (where.push('occurred_at >= ?'), args.push(q.since));
  if (q.member) (where.push('(actor_id = ? OR actor_label = ? COLLATE NOCASE)'), args.push(q.member, q.member));
  if (q.action) {
    const prefix = /[.*]$/.test(q.action) ? q.action.replace(/\*$/, '') : null;
    if (prefix !== null) (where.push("substr(action, 1, length(?)) = ?"), args.push(prefix, prefix));
    else (where.push('action = ?'), args.push(q.action));
  }
  const limit = Math.min(Math.max(1, Math.trunc(q.limit ?? 100)), 10_000);
  const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ${limit}`;
  return db.prepare<(string | number)[], Row>(sql).all(...args).map(recordOf);
}

/** Walks the chain from its anchor (or the start), checking every link and every hash. */
function verifyChain(db: Database.Database, a: { first_seq: number; prev_hash: string } | undefined): ChainCheck {
  let prev = a?.prev_hash ?? GENESIS_HASH;
  let n = 0;
  let first = true;
  for (const row of db.prepare<[], Row>('SELECT * FROM audit_log ORDER BY seq').iterate()) {
    const r = recordOf(row);
    n++;
    if (first && a && r.seq !== a.first_seq) return { ok: false, records: n, seq: r.seq, problem: `the chain starts at record ${r.seq}, but the last prune kept ${a.first_seq} first: records were removed` };
    first = false;
    if (r.prevHash !== prev) return { ok: false, records: n, seq: r.seq, problem: 'its prev_hash is not the hash of the record before it: a record was removed or inserted' };
    if (recordHash(r) !== r.hash) return { ok: false, records: n, seq: r.seq, problem: 'its contents do not match its hash: the record was changed' };
    prev = r.hash;
  }
  return { ok: true, records: n, head: prev };
}

/** Removes the records before `cutoff`; the first kept record and the hash it points to become the anchor. */
function pruneAudit(db: Database.Database, cutoff: Date): number {
  const c = cutoff.toISOString();
  return db.transaction(() => {
    // By sequence, not by time: a record queued offline may be older than one appended before it.
    const keep = db.prepare<[string], { seq: number }>('SELECT min(seq) AS seq FROM audit_log WHERE occurred_at >= ?').get(c)?.seq
      ?? (db.prepare<[], { seq: number | null }>('SELECT max(seq) AS seq FROM audit_log').get()?.seq ?? 0) + 1;
    const lastGone = db.prepare<[number], { hash: string }>('SELECT hash FROM audit_log WHERE seq < ? ORDER BY seq DESC LIMIT 1').get(keep);
    if (!lastGone) return 0;
    db.prepare('INSERT INTO audit_prune_gate (cutoff) VALUES (?)').run(c);
    db.prepare('INSERT INTO audit_anchor (one, first_seq, prev_hash) VALUES (1, ?, ?) ON CONFLICT (one) DO UPDATE SET first_seq = excluded.first_seq, prev_hash = excluded.prev_hash').run(keep, lastGone.hash);
    const removed = db.prepare('DELETE FROM audit_log WHERE seq < ?').run(keep).changes;
    db.prepare('DELETE FROM audit_prune_gate').run();
    return removed;
  }).immediate();
}

/**
 * The audit log in the control store: append-only (triggers refuse UPDATE and DELETE but the
 * pruner's), hash-chained. Records are written synchronously, inside the request, before the
 * answer leaves: an answered admin request is on the record. Its statements are prepared once, here,
 * so the methods share them.
 */
export function auditLog(db: Database.Database, clock: AuditClock) {
  const last = db.prepare<[], { hash: string }>('SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1');
  const anchor = db.prepare<[], { first_seq: number; prev_hash: string }>('SELECT first_seq, prev_hash FROM audit_anchor WHERE one = 1');
  const insert = db.prepare(
    `INSERT INTO audit_log (id, occurred_at, actor_type, actor_id, actor_label, token_id, action, target, params, outcome, rule, reason, status, ip, user_agent, before, after, prev_hash, hash)
     VALUES (@id, @occurredAt, @actorType, @actorId, @actorLabel, @tokenId, @action, @target, @params, @outcome, @rule, @reason, @status, @ip, @userAgent, @before, @after, @prevHash, @hash)`,
  );
  const append = db.transaction((e: AuditEntry): AuditRecord => {
    const prevHash = last.get()?.hash ?? anchor.get()?.prev_hash ?? GENESIS_HASH;
    const base = {
      id: clock.newId('aud'),
      occurredAt: e.occurredAt ?? clock.now().toISOString(),
      actor: e.actor,
      action: e.action,
      target: e.target ?? null,
      // Stored as JSON text and hashed as the value read back, so verify sees what was hashed.
      params: parse(json(e.params)),
      outcome: e.outcome,
      rule: e.rule ?? null,
      reason: e.reason ?? null,
      status: e.status ?? null,
      ip: e.ip ?? null,
      userAgent: e.userAgent ?? null,
      before: parse(json(e.before)),
      after: parse(json(e.after)),
      prevHash,
    };
    const hash = recordHash(base);
    const info = insert.run({
      ...base, actorType: e.actor.type, actorId: e.actor.id, actorLabel: e.actor.label, tokenId: e.actor.tokenId,
      params: json(base.params), before: json(base.before), after: json(base.after), hash,
    });
    return { ...base, seq: Number(info.lastInsertRowid), hash };
  });

  return {
    append: (e: AuditEntry): AuditRecord => append.immediate(e),
    query: (q: AuditQuery = {}): AuditRecord[] => queryAudit(db, q),
    /** Walks the whole chain from its anchor (or the start): every link and every hash. */
    verify: (): ChainCheck => verifyChain(db, anchor.get()),
    /**
     * Removes records older than `cutoff` (the retention policy), keeping the chain checkable:
     * the first kept record and the hash it points to become the anchor. The only delete there is.
     */
    prune: (cutoff: Date): number => pruneAudit(db, cutoff),
  };
}
export type AuditLog = ReturnType<typeof auditLog>;
