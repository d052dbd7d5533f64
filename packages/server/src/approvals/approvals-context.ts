import type Database from 'better-sqlite3';
import type { RunOptions } from '../activation/engine/sync-engine.js';
import type { RunRecord } from '../activation/store/records.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { AuditActor } from '../audit/audit-record.js';
import type { Log } from '../logging/log.js';
import type { PeopleClock } from '../people/people-clock.js';
import type { PolicySettings } from '../policy/policy-defaults.js';
import type { Party } from './approval-record.js';
import type { ApprovalStore } from './approval-store.js';

export interface ApprovalsDeps {
  readonly db: Database.Database;
  readonly audit: AuditLog;
  readonly clock: PeopleClock;
  readonly policy: () => PolicySettings;
  /** Starts the approved run (the sync engine's `run`; bound once activation has started). */
  readonly run: (name: string, o: RunOptions) => Promise<RunRecord>;
  readonly log: Log;
  /** Told when a forwarding rule's config is approved, so its outbox drains at once. @defaultValue none */
  readonly onForwardingRuleApproved?: (rule: string) => void;
}

/** What the approval steps share: the deps and the one store over the control database. */
export interface ApprovalsContext {
  readonly d: ApprovalsDeps;
  readonly store: ApprovalStore;
}

/** An approvals problem, with the answer it makes: 404, 409 (not open any more), 403 (the requester's own). */
export class ApprovalError extends Error {
  override readonly name = 'ApprovalError';
  constructor(readonly kind: 'not_found' | 'conflict' | 'forbidden' | 'invalid', message: string) {
    super(message);
  }
}

export const HOUR_MS = 3_600_000;
export const SYSTEM: AuditActor = { type: 'system', id: null, label: 'touchline', tokenId: null };
export const auditActor = (p: Party): AuditActor => ({ type: p.type, id: p.id, label: p.label, tokenId: p.tokenId });

/** The request moved on by someone else between our read and our write. */
export const raced = (id: string): ApprovalError =>
  new ApprovalError('conflict', `approval ${id} was decided at the same moment by someone else: touchline approvals show ${id}`);
