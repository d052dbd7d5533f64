import type Database from 'better-sqlite3';
import type { DryRunReport } from '../activation/engine/dry-run.js';
import type { DiffCounts } from '../activation/store/records.js';
import { APPROVAL_KINDS, APPROVAL_STATUSES, type ApprovalKind, type ApprovalRecord, type ApprovalStatus, type Party, type RunAsk, type Trigger } from './approval-record.js';

interface Row {
  id: string; kind: string; sync_name: string; destination: string; run_id: string | null; options: string; triggers: string;
  counts: string; digest: string; report: string; requester_type: string; requester_id: string | null; requester_token: string | null;
  requester_label: string; status: string; created_at: string; expires_at: string; decided_at: string | null; decider_type: string | null;
  decider_id: string | null; decider_token: string | null; decider_label: string | null; reason: string | null; used_run_id: string | null;
  superseded_by: string | null;
}

const party = (type: string | null, id: string | null, tokenId: string | null, label: string | null): Party | null =>
  type === null ? null : { type: type === 'bootstrap' || type === 'system' ? type : 'member', id, tokenId, label: label ?? '' };

function statusOf(s: string, id: string): ApprovalStatus {
  if ((APPROVAL_STATUSES as readonly string[]).includes(s)) return s as ApprovalStatus;
  throw new Error(`approvals: ${id} has status ${JSON.stringify(s)} (written by a newer Touchline?)`);
}

function kindOf(k: string, id: string): ApprovalKind {
  if ((APPROVAL_KINDS as readonly string[]).includes(k)) return k as ApprovalKind;
  throw new Error(`approvals: ${id} is of kind ${JSON.stringify(k)} (written by a newer Touchline?)`);
}

function toRecord(r: Row): ApprovalRecord {
  return {
    id: r.id, kind: kindOf(r.kind, r.id), syncName: r.sync_name, destination: r.destination, runId: r.run_id,
    options: JSON.parse(r.options) as RunAsk, triggers: JSON.parse(r.triggers) as Trigger[], counts: JSON.parse(r.counts) as DiffCounts,
    digest: r.digest, report: JSON.parse(r.report) as DryRunReport,
    requester: party(r.requester_type, r.requester_id, r.requester_token, r.requester_label)!,
    status: statusOf(r.status, r.id), createdAt: r.created_at, expiresAt: r.expires_at, decidedAt: r.decided_at,
    decider: party(r.decider_type, r.decider_id, r.decider_token, r.decider_label), reason: r.reason,
    usedRunId: r.used_run_id, supersededBy: r.superseded_by,
  };
}

export type NewApproval = Omit<ApprovalRecord, 'status' | 'decidedAt' | 'decider' | 'reason' | 'usedRunId' | 'supersededBy'>;

/**
 * The approvals table of the control store (migration 2). Status changes are compare-and-set on
 * the status they expect, so two deciders at once cannot both win: the loser's update finds no row.
 */
export function approvalStore(db: Database.Database) {
  const one = db.prepare<[string], Row>('SELECT * FROM approvals WHERE id = ?');
  const insert = db.prepare(
    `INSERT INTO approvals (id, kind, sync_name, destination, run_id, options, triggers, counts, digest, report, requester_type, requester_id,
       requester_token, requester_label, status, created_at, expires_at)
     VALUES (@id, @kind, @syncName, @destination, @runId, @options, @triggers, @counts, @digest, @report, @requesterType, @requesterId,
       @requesterToken, @requesterLabel, 'pending', @createdAt, @expiresAt)`,
  );
  return {
    get: (id: string): ApprovalRecord | null => {
      const r = one.get(id);
      return r ? toRecord(r) : null;
    },
    insert(a: NewApproval): ApprovalRecord {
      insert.run({
        id: a.id, kind: a.kind, syncName: a.syncName, destination: a.destination, runId: a.runId, options: JSON.stringify(a.options),
        triggers: JSON.stringify(a.triggers), counts: JSON.stringify(a.counts), digest: a.digest, report: JSON.stringify(a.report),
        requesterType: a.requester.type, requesterId: a.requester.id, requesterToken: a.requester.tokenId, requesterLabel: a.requester.label,
        createdAt: a.createdAt, expiresAt: a.expiresAt,
      });
      return toRecord(one.get(a.id)!);
    },
    list(o: { status?: ApprovalStatus | undefined; sync?: string | undefined; limit: number }): ApprovalRecord[] {
      const rows = db
        .prepare<[string | null, string | null, string | null, string | null, number], Row>(
          'SELECT * FROM approvals WHERE (? IS NULL OR status = ?) AND (? IS NULL OR sync_name = ?) ORDER BY created_at DESC, id DESC LIMIT ?',
        )
        .all(o.status ?? null, o.status ?? null, o.sync ?? null, o.sync ?? null, o.limit);
      return rows.map(toRecord);
    },
    /** Open requests and unused approvals past their time. */
    due: (now: string): ApprovalRecord[] =>
      db.prepare<[string], Row>("SELECT * FROM approvals WHERE status IN ('pending', 'approved') AND expires_at <= ? ORDER BY created_at").all(now).map(toRecord),
    /** Moves `id` from `from` to `to` with the fields given; false when it was not in `from` any more. */
    move(id: string, from: readonly ApprovalStatus[], to: ApprovalStatus, set: { decider?: Party; decidedAt?: string; reason?: string; expiresAt?: string; usedRunId?: string; supersededBy?: string } = {}): boolean {
      const r = db
        .prepare(
          `UPDATE approvals SET status = @to,
             decided_at = coalesce(@decidedAt, decided_at), decider_type = coalesce(@deciderType, decider_type), decider_id = coalesce(@deciderId, decider_id),
             decider_token = coalesce(@deciderToken, decider_token), decider_label = coalesce(@deciderLabel, decider_label), reason = coalesce(@reason, reason),
             expires_at = coalesce(@expiresAt, expires_at), used_run_id = coalesce(@usedRunId, used_run_id), superseded_by = coalesce(@supersededBy, superseded_by)
           WHERE id = @id AND status IN (${from.map((_, i) => `@from${i}`).join(', ')})`,
        )
        .run({
          id, to, ...Object.fromEntries(from.map((f, i) => [`from${i}`, f])),
          decidedAt: set.decidedAt ?? null, deciderType: set.decider?.type ?? null, deciderId: set.decider?.id ?? null,
          deciderToken: set.decider?.tokenId ?? null, deciderLabel: set.decider?.label ?? null, reason: set.reason ?? null,
          expiresAt: set.expiresAt ?? null, usedRunId: set.usedRunId ?? null, supersededBy: set.supersededBy ?? null,
        });
      return r.changes === 1;
    },
  };
}
export type ApprovalStore = ReturnType<typeof approvalStore>;
