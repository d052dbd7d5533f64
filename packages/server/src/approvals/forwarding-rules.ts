import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { DryRunReport } from '../activation/engine/dry-run.js';
import type { ActivationConfig, ForwardingRule } from '../activation/config/activation-config.js';
import type { RuleApproval } from '../activation/forwarding/forwarder.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { AuditActor } from '../audit/audit-record.js';
import type { PeopleClock } from '../people/people-clock.js';
import type { PolicySettings } from '../policy/policy-defaults.js';
import type { ApprovalRecord, Party, Trigger } from './approval-record.js';
import { approvalStore } from './approval-store.js';

const HOUR_MS = 3_600_000;
const SYSTEM: AuditActor = { type: 'system', id: null, label: 'touchline', tokenId: null };
const ZERO = { add: 0, change: 0, remove: 0 };


/** A forwarding rule as configured, with what the approval depends on. */
export interface RuleAtStart {
  readonly name: string;
  readonly rule: ForwardingRule;
  /** The destination account's name and type. */
  readonly destination: string;
  readonly type: string;
  readonly environment: 'test' | 'production';
}

/** `forward:<rule>`: the name a rule's approvals (and its row results) are kept under. */
const nameOf = (rule: string) => `forward:${rule}`;

/** JSON with object keys sorted, so the same config gives the same digest whatever its key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** SHA-256 of the rule's config as parsed (defaults filled in): what an approval approves. */
export function ruleDigest(rule: ForwardingRule): string {
  return createHash('sha256').update(canonical(rule)).digest('hex');
}

/** What the approver reads in place of a dry run: the rule itself (a rule has no diff). */
function ruleReport(r: RuleAtStart): DryRunReport & { readonly rule: ForwardingRule } {
  return {
    sync: nameOf(r.name), destination: r.destination, type: r.type, mode: 'forward', stagedRows: 0, counts: ZERO,
    guard: null, rows: [], requests: [], minRequests: 0, testMode: '', rule: r.rule,
  };
}

export interface ForwardingApprovalDeps {
  readonly db: Database.Database;
  readonly audit: AuditLog;
  readonly clock: PeopleClock;
  readonly policy: () => PolicySettings;
  /** Who asks: the config file, as read by whoever started the server (docs/governance.md). */
  readonly requester: Party;
}

/**
 * Approval of forwarding rules (docs/governance.md, "Forwarding rules"). A rule to a production
 * destination forwards only while an approval of its config's digest is in force: a new or
 * changed rule is requested at start and its events wait in the outbox (nothing lost) until a
 * second member approves; a rejected digest stays off until the rule changes.
 */
export function forwardingApprovals(d: ForwardingApprovalDeps) {
  const store = approvalStore(d.db);
  const digests = new Map<string, { digest: string; environment: RuleAtStart['environment'] }>();
  const ofRule = (name: string, digest: string): ApprovalRecord[] =>
    store.list({ sync: nameOf(name), limit: 200 }).filter((a) => a.kind === 'forwarding-rule' && a.digest === digest);

  /** A request for one rule whose digest has none open, approved or rejected; older open ones are superseded. */
  function request(r: RuleAtStart, digest: string): void {
    if (ofRule(r.name, digest).some((a) => a.status === 'pending' || a.status === 'used' || a.status === 'rejected')) return;
    const at = d.clock.now();
    const id = d.clock.newId('apr');
    const earlier = store.list({ sync: nameOf(r.name), limit: 200 }).filter((a) => a.kind === 'forwarding-rule');
    for (const old of earlier.filter((a) => a.status === 'pending')) {
      if (store.move(old.id, ['pending'], 'superseded', { supersededBy: id, reason: `the rule changed (${id} asks for the new config)` })) {
        d.audit.append({ actor: SYSTEM, action: 'approvals.superseded', target: `approval ${old.id}`, outcome: 'allowed', reason: `replaced by ${id}` });
      }
    }
    const trigger: Trigger = earlier.length === 0
      ? { rule: 'approvals.forwarding-rule', reason: `forwarding rule ${r.name} is new: it forwards to the production destination ${r.destination} once approved` }
      : { rule: 'approvals.forwarding-rule', reason: `forwarding rule ${r.name} changed in the config file: it forwards to ${r.destination} again once the new config is approved` };
    store.insert({
      id, kind: 'forwarding-rule', syncName: nameOf(r.name), destination: r.destination, runId: null, options: { full: false }, triggers: [trigger],
      counts: ZERO, digest, report: ruleReport(r), requester: d.requester, createdAt: at.toISOString(),
      expiresAt: new Date(at.getTime() + d.policy().approvals.expiryHours * HOUR_MS).toISOString(),
    });
    d.audit.append({
      actor: { type: d.requester.type, id: d.requester.id, label: d.requester.label, tokenId: d.requester.tokenId }, action: 'approvals.request', target: `approval ${id}`,
      outcome: 'allowed', rule: trigger.rule, reason: trigger.reason, params: { forwardingRule: r.name, destination: r.destination, digest },
    });
  }

  return {
    /** At start: each production rule whose config has no approval in force is requested. */
    requestAtStart(rules: readonly RuleAtStart[]): void {
      for (const r of rules) {
        const digest = ruleDigest(r.rule);
        digests.set(r.name, { digest, environment: r.environment });
        if (r.environment === 'production' && d.policy().approvals.forwardingRules) request(r, digest);
      }
    },
    /** Whether the rule may forward now (read on every pass of its outbox's drain). */
    state(name: string): RuleApproval {
      const r = digests.get(name);
      if (!r || r.environment === 'test' || !d.policy().approvals.forwardingRules) return 'not_required';
      const mine = ofRule(name, r.digest);
      if (mine.some((a) => a.status === 'used')) return 'approved';
      return mine.some((a) => a.status === 'rejected') ? 'rejected' : 'awaiting_approval';
    },
  };
}
export type ForwardingApprovals = ReturnType<typeof forwardingApprovals>;

/** The production and test rules of a config, with their destinations' types and environments. */
export function rulesAtStart(config: ActivationConfig): RuleAtStart[] {
  return Object.entries(config.forwarding.rules).map(([name, rule]) => {
    const account = config.destinations[rule.destination];
    return { name, rule, destination: rule.destination, type: account?.type ?? 'unknown', environment: account?.environment ?? 'production' };
  });
}

/**
 * The requester of a rule's approval: the config file, as started by this OS user. Touchline
 * cannot tell which member edited the file, so any member who may decide approvals (not the
 * admin token's holder alone) approves it, and the audit log names them.
 */
export function configRequester(osUser: string): Party {
  return { type: 'system', id: null, tokenId: null, label: `config file (touchline start by ${osUser.slice(0, 64) || 'unknown user'})` };
}
