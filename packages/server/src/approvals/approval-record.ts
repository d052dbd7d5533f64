import type { DryRunReport } from '../activation/engine/dry-run.js';
import type { DiffCounts } from '../activation/store/records.js';

/**
 * A request's life: `pending` until a second member decides or it expires; `approved` until the
 * approved run starts and finds the same diff (`used`) or another one (`superseded`, and a new
 * request takes its place); `rejected` and `expired` send nothing.
 */
export const APPROVAL_STATUSES = ['pending', 'approved', 'used', 'superseded', 'rejected', 'expired'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** Who asked or decided: a member through one of their tokens, the admin token, or Touchline's scheduler. */
export interface Party {
  readonly type: 'member' | 'bootstrap' | 'system';
  /** The member's id; null for the admin token. */
  readonly id: string | null;
  /** The personal token presented; null for the admin token. */
  readonly tokenId: string | null;
  /** The member's e-mail address, `admin token`, or `scheduler`. */
  readonly label: string;
}

/** Why a send waits: the rule that asked (`guards.blast-radius`, `approvals.first-real-run`, `tenure.probation-sends`…) and a sentence. */
export interface Trigger {
  readonly rule: string;
  readonly reason: string;
}

/** What the approved run is started with again. */
export interface RunAsk {
  /** Send every row, whatever the state says. */
  readonly full: boolean;
}

/** What waits: one sync run's diff, or a forwarding rule's config (src/approvals/forwarding-rules.ts). */
export const APPROVAL_KINDS = ['sync-run', 'forwarding-rule'] as const;
export type ApprovalKind = (typeof APPROVAL_KINDS)[number];

export interface ApprovalRecord {
  readonly id: string;
  readonly kind: ApprovalKind;
  /** The sync, or `forward:<rule>` for a forwarding rule. */
  readonly syncName: string;
  readonly destination: string;
  /** The run that stopped awaiting this approval. */
  readonly runId: string | null;
  readonly options: RunAsk;
  readonly triggers: readonly Trigger[];
  readonly counts: DiffCounts;
  /**
   * SHA-256 over the diff in key order (op, key, hash of the mapped row): what "the approved diff"
   * means. A forwarding rule's: over its config (forwarding-rules.ts).
   */
  readonly digest: string;
  /** The dry run of the diff: its first rows and the exact requests they make (credentials masked). */
  readonly report: DryRunReport;
  readonly requester: Party;
  readonly status: ApprovalStatus;
  readonly createdAt: string;
  /** Undecided past this, the request expires; approved, the run must start before it. */
  readonly expiresAt: string;
  readonly decidedAt: string | null;
  readonly decider: Party | null;
  /** Why it was rejected (or superseded). */
  readonly reason: string | null;
  /** The run that sent the approved diff. */
  readonly usedRunId: string | null;
  /** The request that replaced this one when the data changed. */
  readonly supersededBy: string | null;
}

/** What a list shows of a request (the dashboard renders it): no rows, no requests. */
export interface ApprovalSummary {
  readonly id: string;
  readonly kind: ApprovalKind;
  readonly status: ApprovalStatus;
  readonly sync: string;
  readonly destination: string;
  readonly type: string;
  readonly requester: Party;
  readonly rows: number;
  readonly counts: DiffCounts;
  readonly triggers: readonly Trigger[];
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly decider: Party | null;
  readonly decidedAt: string | null;
  readonly reason: string | null;
  readonly runId: string | null;
  readonly usedRunId: string | null;
  readonly supersededBy: string | null;
}

/** The requester of a scheduled run: no person asked, so any member who may decide approves it. */
export const SCHEDULER: Party = { type: 'system', id: null, tokenId: null, label: 'scheduler' };

export const rowsOf = (c: DiffCounts): number => c.add + c.change + c.remove;

export function summaryOf(a: ApprovalRecord): ApprovalSummary {
  return {
    id: a.id, kind: a.kind, status: a.status, sync: a.syncName, destination: a.destination, type: a.report.type, requester: a.requester,
    rows: rowsOf(a.counts), counts: a.counts, triggers: a.triggers, createdAt: a.createdAt, expiresAt: a.expiresAt,
    decider: a.decider, decidedAt: a.decidedAt, reason: a.reason, runId: a.runId, usedRunId: a.usedRunId, supersededBy: a.supersededBy,
  };
}
