import type { PlannedRun } from '../activation/engine/run-gate.js';
import type { PolicySettings } from '../policy/policy-defaults.js';
import type { Trigger } from './approval-record.js';

/** What the caller asked, besides the sync: the policy's word on them, and the run's options. */
export interface Asked {
  /** The policy rule that says this caller's real sends wait (a member in probation), if any. */
  readonly approvalRule?: string | undefined;
  /** `--force`: once an override of the guards, now an explicit request for a second person. */
  readonly forced: boolean;
  readonly full: boolean;
}

/**
 * Why a planned real run must wait for a second member, in the policy's order: the blast-radius
 * guards (rows to send, share of the destination cleared), the first real run of the sync, the
 * caller's probation, an explicit `--force`. Empty: it sends.
 */
export function runTriggers(plan: PlannedRun, asked: Asked, p: PolicySettings): Trigger[] {
  const out: Trigger[] = [];
  if (plan.guard) out.push({ rule: 'guards.blast-radius', reason: plan.guard });
  if (plan.firstRealRun && p.approvals.firstRealRun) {
    out.push({ rule: 'approvals.first-real-run', reason: `the first real run of sync ${plan.resolved.syncName} (approvals.firstRealRun)` });
  }
  if (asked.approvalRule) out.push({ rule: asked.approvalRule, reason: `a real send by a member in their first ${p.tenure.probationDays} days (tenure.probationDays)` });
  if (asked.forced) out.push({ rule: 'approvals.forced', reason: 'asked with --force: a second member approves it' });
  return out;
}
