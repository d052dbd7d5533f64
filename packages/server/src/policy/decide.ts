import { ADMIN_ACTIONS, SCOPE_OF, SEND_ACTIONS, type AdminAction, type Role, type Scope } from './actions.js';
import { DEFAULT_POLICY, type PolicySettings } from './policy-defaults.js';
import { addDays, tenureOf } from './tenure.js';

/** What the policy knows of a member. */
export interface MemberFacts {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly role: Role;
  /** `YYYY-MM-DD`: the first day in the team (tenure counts from here, not from the day the member was added). */
  readonly startDate: string;
  /** `YYYY-MM-DD`: the last day, or null. */
  readonly endDate: string | null;
}

/** The personal token a request presented. */
export interface TokenFacts {
  /** The token's public id (the part of `tl_pat_<id>_<secret>` that names it). */
  readonly id: string;
  readonly scopes: readonly Scope[];
}

/** A time-bound exception: these actions, whatever role and tenure say, from `from` until `until` (ISO instants). */
export interface GrantFacts {
  readonly id: string;
  readonly actions: readonly AdminAction[];
  readonly from: string;
  readonly until: string;
}

/**
 * Who is asking. `bootstrap`: the admin token, the owner's credential before (and besides) member
 * tokens — every action, no tenure. `member`: a member through one of their personal tokens.
 */
export type Actor =
  | { readonly kind: 'bootstrap' }
  | { readonly kind: 'member'; readonly member: MemberFacts; readonly token: TokenFacts; readonly grants: readonly GrantFacts[] };

/** What an allowed action must keep to (the sync routes apply them). */
export interface Obligations {
  /** Sends only in the destination's test mode (Google validateOnly, Meta test_event_code…). */
  readonly testOnly?: true;
  /** At most this many rows in one send. */
  readonly maxRows?: number;
  /** A real send that waits for a second member's approval (src/approvals/): the rule that asks for it. */
  readonly approval?: string;
}

export interface DecisionContext {
  readonly now: Date;
  /** For sends: what is asked — a real send (or a baseline, which changes the sync's state) or a test-mode one. */
  readonly send?: 'real' | 'test';
  /** For `tokens.create`: the scopes asked for the new token (never more than the presenting token's). */
  readonly requestedScopes?: readonly Scope[];
}

export interface Decision {
  readonly allowed: boolean;
  readonly action: AdminAction;
  /** The rule that decided (`role.analyst`, `scope.sync`, `tenure.min-days`, `grant.grt_…`, `bootstrap`…): audited, and named in a 403. */
  readonly rule: string;
  /** A sentence a person can act on. */
  readonly reason: string;
  readonly obligations: Obligations;
}

const allow = (action: AdminAction, rule: string, reason: string, obligations: Obligations = {}): Decision => ({ allowed: true, action, rule, reason, obligations });
const deny = (action: AdminAction, rule: string, reason: string): Decision => ({ allowed: false, action, rule, reason, obligations: {} });

type MemberActor = Extract<Actor, { kind: 'member' }>;

/** The token's scopes: the first filter, before role and tenure (a token narrows, never widens). */
function scopeDecision(a: MemberActor, action: AdminAction, ctx: DecisionContext): Decision | null {
  const needed = SCOPE_OF[action];
  if (needed !== null && !a.token.scopes.includes(needed)) {
    return deny(action, `scope.${needed}`, `"${action}" needs a token with the "${needed}" scope; this token (${a.token.id}) has ${a.token.scopes.join(', ') || 'none'}`);
  }
  const wider = (ctx.requestedScopes ?? []).filter((s) => !a.token.scopes.includes(s));
  if (wider.length > 0) {
    return deny(action, 'scope.no-widening', `a token can only create tokens within its own scopes; this one (${a.token.id}) lacks ${wider.join(', ')}`);
  }
  return null;
}

/** Sends: test-only roles, probation limits, and whether what is asked fits them. */
function sendDecision(a: MemberActor, action: AdminAction, days: number, ctx: DecisionContext, p: PolicySettings): Decision {
  const { member } = a;
  const probation = days < p.tenure.probationDays;
  const testOnlyRole = p.sends.testOnlyRoles.includes(member.role);
  if (!probation && !testOnlyRole) return allow(action, `role.${member.role}`, `role ${member.role} may run syncs`);
  const rule = probation ? 'tenure.probation-sends' : 'sends.test-only-role';
  const why = probation
    ? `in the first ${p.tenure.probationDays} days in the team (until ${addDays(member.startDate, p.tenure.probationDays)}) sends run in test mode, at most ${p.tenure.probationMaxRows} rows`
    : `role ${member.role} sends in the destination's test mode only`;
  // In probation a real send is not refused: it waits for a second member's approval (the two-person rule).
  if (ctx.send === 'real' && probation && !testOnlyRole) {
    return allow(action, rule, `in the first ${p.tenure.probationDays} days in the team (until ${addDays(member.startDate, p.tenure.probationDays)}) a real send waits for another member's approval (touchline approvals)`, { approval: rule });
  }
  if (ctx.send === 'real') return deny(action, rule, `${why}: run with --test, or ask an owner for a grant (touchline members grant)`);
  return allow(action, rule, why, probation ? { testOnly: true, maxRows: p.tenure.probationMaxRows } : { testOnly: true });
}

/**
 * The one policy function: may `actor` do `action`, now? Over the token's scopes, the member's
 * tenure (not started, ended, days in the team), time-bound grants, the role table and the tenure
 * rules. Pure: the settings and the time come in. Every admin request asks it (the admin guard),
 * and the answer names the rule that decided, for the 403 and the audit log.
 */
export function decide(actor: Actor, action: AdminAction, ctx: DecisionContext, p: PolicySettings = DEFAULT_POLICY): Decision {
  if (actor.kind === 'bootstrap') return allow(action, 'bootstrap', 'the admin token is the owner\'s bootstrap credential');
  const { member } = actor;
  const scoped = scopeDecision(actor, action, ctx);
  if (scoped) return scoped;
  const tenure = tenureOf(member, ctx.now);
  if (tenure.band === 'not-started') return deny(action, 'tenure.not-started', `${member.email} starts on ${member.startDate}`);
  if (tenure.band === 'ended') return deny(action, 'tenure.ended', `${member.email}'s membership ended on ${member.endDate ?? '?'}`);
  const now = ctx.now.getTime();
  const grant = actor.grants.find((g) => g.actions.includes(action) && Date.parse(g.from) <= now && now < Date.parse(g.until));
  if (grant) return allow(action, `grant.${grant.id}`, `granted to ${member.email} until ${grant.until}`);
  if (!p.roles[member.role].has(action)) return deny(action, `role.${member.role}`, `role ${member.role} may not "${action}"`);
  const minDays = p.tenure.minDays[action];
  if (minDays !== undefined && tenure.days < minDays) {
    return deny(action, 'tenure.min-days', `"${action}" needs ${minDays} days in the team; ${member.email} has ${tenure.days} (from ${addDays(member.startDate, minDays)}, or ask an owner for a grant)`);
  }
  if (SEND_ACTIONS.has(action)) return sendDecision(actor, action, tenure.days, ctx, p);
  return allow(action, `role.${member.role}`, `role ${member.role} may "${action}"`);
}

/** Every action `actor` may do now (the dashboard's `/auth/me` shows pages by it). */
export function allowedActions(actor: Actor, ctx: DecisionContext, p: PolicySettings = DEFAULT_POLICY): AdminAction[] {
  return ADMIN_ACTIONS.filter((a) => decide(actor, a, ctx, p).allowed);
}
