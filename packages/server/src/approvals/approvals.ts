import type Database from 'better-sqlite3';
import { dryRunSync } from '../activation/engine/dry-run.js';
import type { PlannedRun, RunGate } from '../activation/engine/run-gate.js';
import type { RunOptions } from '../activation/engine/sync-engine.js';
import type { RunRecord } from '../activation/store/records.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { AuditActor } from '../audit/audit-record.js';
import type { Log } from '../logging/log.js';
import type { PeopleClock } from '../people/people-clock.js';
import type { Actor } from '../policy/decide.js';
import type { PolicySettings } from '../policy/policy-defaults.js';
import { summaryOf, type ApprovalRecord, type ApprovalStatus, type Party, type RunAsk, type Trigger } from './approval-record.js';
import { approvalStore } from './approval-store.js';
import { diffDigest } from './diff-digest.js';
import { runTriggers, type Asked } from './triggers.js';
import { partyOf, samePerson } from './same-person.js';

/** Rows of the diff (and their requests) kept with a request for the approver to read. */
const REPORT_ROWS = 50;
const HOUR_MS = 3_600_000;
/** Triggers of an earlier approval's fate, replaced by the new one's. */
const STALE = new Set(['approvals.not-valid', 'approvals.diff-changed']);
const SYSTEM: AuditActor = { type: 'system', id: null, label: 'touchline', tokenId: null };

/** An approvals problem, with the answer it makes: 404, 409 (not open any more), 403 (the requester's own). */
export class ApprovalError extends Error {
  override readonly name = 'ApprovalError';
  constructor(readonly kind: 'not_found' | 'conflict' | 'forbidden' | 'invalid', message: string) {
    super(message);
  }
}

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

const auditActor = (p: Party): AuditActor => ({ type: p.type, id: p.id, label: p.label, tokenId: p.tokenId });

/**
 * Two-person approval of risky sends. A real sync run asked through the admin API carries a gate
 * (`gateFor`): once planned, a run that crosses a trigger stops `awaiting_approval` with its diff,
 * the diff's digest and the dry run's exact requests stored here, in the control store. Another
 * member approves (`approve`), which starts the run again with a gate that sends only when the new
 * plan has the approved digest; otherwise the run stops again as a new request. Every request,
 * decision, use and expiry is in the audit log. One closure over one store and one clock, so its
 * steps are listed together rather than split into files that would share that state.
 */
export function createApprovals(d: ApprovalsDeps) {
  const store = approvalStore(d.db);
  const now = () => d.clock.now();

  /** Requests and unused approvals past their time become `expired`, each on the record. */
  function expire(): ApprovalRecord[] {
    const at = now().toISOString();
    const out: ApprovalRecord[] = [];
    for (const a of store.due(at)) {
      if (!store.move(a.id, [a.status], 'expired')) continue;
      d.audit.append({ actor: SYSTEM, action: 'approvals.expired', target: `approval ${a.id}`, outcome: 'allowed', reason: `${a.status === 'pending' ? 'not decided' : 'approved but not used'} by ${a.expiresAt}`, params: { sync: a.syncName, was: a.status } });
      out.push(store.get(a.id)!);
    }
    return out;
  }

  /** A new request for the planned run: its dry run, digest and triggers; an older open one of the sync is superseded. */
  async function request(plan: PlannedRun, requester: Party, triggers: readonly Trigger[], ask: RunAsk): Promise<ApprovalRecord> {
    const r = plan.resolved;
    const digest = await diffDigest(plan.store, plan.tables, r.syncName);
    // The same diff asked again by the same requester (a second `sync run`, the next scheduled tick) waits on the open request.
    const open = store.list({ status: 'pending', sync: r.syncName, limit: 1 })[0];
    if (open && open.digest === digest && open.requester.type === requester.type && open.requester.id === requester.id) return open;
    const report = await dryRunSync({
      store: plan.store, resolved: r, counts: plan.counts, stagedRows: plan.stagedRows, stageTable: plan.tables.stage, diffTable: plan.tables.diff,
      clock: plan.clock, limit: REPORT_ROWS, guard: plan.guard,
    });
    const createdAt = now();
    const id = d.clock.newId('apr');
    for (const old of store.list({ status: 'pending', sync: r.syncName, limit: 100 })) {
      if (store.move(old.id, ['pending'], 'superseded', { supersededBy: id, reason: `a newer request (${id}) replaces it` })) {
        d.audit.append({ actor: SYSTEM, action: 'approvals.superseded', target: `approval ${old.id}`, outcome: 'allowed', reason: `replaced by ${id}` });
      }
    }
    const a = store.insert({
      id, kind: 'sync-run', syncName: r.syncName, destination: r.name, runId: plan.run.runId, options: ask, triggers, counts: plan.counts, digest, report,
      requester, createdAt: createdAt.toISOString(), expiresAt: new Date(createdAt.getTime() + d.policy().approvals.expiryHours * HOUR_MS).toISOString(),
    });
    d.audit.append({
      actor: auditActor(requester), action: 'approvals.request', target: `approval ${id}`, outcome: 'allowed', rule: triggers.map((t) => t.rule).join(', '),
      reason: triggers.map((t) => t.reason).join('; '), params: { sync: r.syncName, destination: r.name, run: plan.run.runId, counts: plan.counts, digest },
    });
    return a;
  }

  const waiting = (a: ApprovalRecord) => ({
    go: false as const,
    approvalId: a.id,
    reason: `awaiting approval ${a.id} (touchline approvals show ${a.id}): ${a.triggers.map((t) => t.reason).join('; ')}`,
  });

  /** The gate of a run a caller asked for: sends when nothing triggers, else stops as a request. */
  function gateFor(requester: Party, asked: Asked): RunGate {
    return {
      async check(plan) {
        const triggers = runTriggers(plan, asked, d.policy());
        if (triggers.length === 0) return { go: true };
        return waiting(await request(plan, requester, triggers, { full: asked.full }));
      },
    };
  }

  /** The gate of an approved run: sends only the approved diff, while the approval holds. */
  function approvedGate(id: string): RunGate {
    return {
      async check(plan) {
        expire();
        const a = store.get(id)!;
        const digest = await diffDigest(plan.store, plan.tables, plan.resolved.syncName);
        if (a.status === 'approved' && digest === a.digest && store.move(id, ['approved'], 'used', { usedRunId: plan.run.runId })) {
          d.audit.append({ actor: auditActor(a.decider!), action: 'approvals.used', target: `approval ${id}`, outcome: 'allowed', params: { sync: a.syncName, run: plan.run.runId, digest } });
          return { go: true, approvalId: id };
        }
        const why: Trigger = a.status !== 'approved'
          ? { rule: 'approvals.not-valid', reason: `approval ${id} is ${a.status}` }
          : { rule: 'approvals.diff-changed', reason: `the data changed since approval ${id} (${a.counts.add}/${a.counts.change}/${a.counts.remove} approved; now ${plan.counts.add}/${plan.counts.change}/${plan.counts.remove} new/changed/removed)` };
        const next = await request(plan, a.requester, [...a.triggers.filter((t) => !STALE.has(t.rule)), why], a.options);
        if (store.move(id, ['approved'], 'superseded', { supersededBy: next.id, reason: why.reason })) {
          d.audit.append({ actor: SYSTEM, action: 'approvals.superseded', target: `approval ${id}`, outcome: 'allowed', reason: why.reason, params: { by: next.id } });
        }
        return waiting(next);
      },
    };
  }

  /** Starts the approved run; resolves with its id once it has one (it goes on in the server). */
  const startRun = (a: ApprovalRecord): Promise<string> =>
    new Promise<string>((resolve, reject) => {
      d.run(a.syncName, { trigger: 'api', full: a.options.full, gate: approvedGate(a.id), onStart: (run) => resolve(run.runId) }).then(
        (run) => resolve(run.runId),
        (err: unknown) => {
          reject(err);
          d.log('an approved sync run failed', { approval: a.id, sync: a.syncName, error: (err as Error).message });
        },
      );
    });

  const find = (id: string): ApprovalRecord => {
    const a = store.get(id);
    if (!a) throw new ApprovalError('not_found', `no approval "${id.slice(0, 40)}" (touchline approvals list)`);
    return a;
  };

  /** Checks the decider is someone else, and that the request is still open. */
  function decidable(id: string, actor: Actor, open: readonly ApprovalStatus[]): ApprovalRecord {
    expire();
    const a = find(id);
    const same = samePerson(a.requester, actor);
    if (same) throw new ApprovalError('forbidden', same);
    if (!open.includes(a.status)) {
      const when = a.status === 'expired' ? ` (it expired at ${a.expiresAt}; run the sync again to make a new request)` : a.supersededBy ? ` (see ${a.supersededBy})` : '';
      throw new ApprovalError('conflict', `approval ${a.id} is ${a.status}${when}`);
    }
    return a;
  }

  /** A forwarding rule's config approved: in force from now on, until the rule changes. */
  function approveRule(a: ApprovalRecord, actor: Actor): ApprovalRecord {
    const at = now().toISOString();
    if (!store.move(a.id, ['pending', 'approved'], 'used', { decider: partyOf(actor), decidedAt: at })) {
      throw new ApprovalError('conflict', `approval ${a.id} was decided at the same moment by someone else: touchline approvals show ${a.id}`);
    }
    d.audit.append({ actor: auditActor(partyOf(actor)), action: 'approvals.used', target: `approval ${a.id}`, outcome: 'allowed', params: { forwardingRule: a.syncName, digest: a.digest } });
    d.onForwardingRuleApproved?.(a.syncName.replace(/^forward:/, ''));
    return store.get(a.id)!;
  }

  return {
    gateFor,
    expire,
    list(o: { status?: ApprovalStatus | undefined; sync?: string | undefined; limit?: number } = {}) {
      expire();
      return store.list({ ...o, limit: o.limit ?? 50 }).map(summaryOf);
    },
    get(id: string): ApprovalRecord {
      expire();
      return find(id);
    },
    /**
     * Approves (or, already approved by someone else and unused, starts again) and starts the run.
     * The approval then holds for `approvals.expiryHours` for the run to start and find the same diff.
     * A forwarding rule's approval is in force at once (`used`) and starts no run: runId is null.
     */
    async approve(id: string, actor: Actor): Promise<{ approval: ApprovalRecord; runId: string | null }> {
      const a = decidable(id, actor, ['pending', 'approved']);
      if (a.kind === 'forwarding-rule') return { approval: approveRule(a, actor), runId: null };
      if (a.status === 'pending') {
        const at = now();
        const expiresAt = new Date(at.getTime() + d.policy().approvals.expiryHours * HOUR_MS).toISOString();
        if (!store.move(id, ['pending'], 'approved', { decider: partyOf(actor), decidedAt: at.toISOString(), expiresAt })) {
          throw new ApprovalError('conflict', `approval ${id} was decided at the same moment by someone else: touchline approvals show ${id}`);
        }
      }
      const runId = await startRun(store.get(id)!);
      return { approval: store.get(id)!, runId };
    },
    reject(id: string, actor: Actor, reason: string): ApprovalRecord {
      if (reason.trim() === '') throw new ApprovalError('invalid', 'reason: say why the request is rejected (--reason)');
      decidable(id, actor, ['pending', 'approved']);
      if (!store.move(id, ['pending', 'approved'], 'rejected', { decider: partyOf(actor), decidedAt: now().toISOString(), reason: reason.slice(0, 1000) })) {
        throw new ApprovalError('conflict', `approval ${id} was decided at the same moment by someone else: touchline approvals show ${id}`);
      }
      return store.get(id)!;
    },
  };
}
export type Approvals = ReturnType<typeof createApprovals>;
