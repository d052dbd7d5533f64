import { timingSafeEqual } from 'node:crypto';
import { auditLog, type AuditLog } from '../audit/audit-log.js';
import type { AuditActor } from '../audit/audit-record.js';
import { controlStorePath, openControlStore, type ControlStore } from '../control/control-store.js';
import type { AdminAction } from '../policy/actions.js';
import { allowedActions, decide, type Actor, type Decision, type DecisionContext } from '../policy/decide.js';
import type { PolicySettings } from '../policy/policy-defaults.js';
import { effectivePolicy, parsePolicyValue, type PolicyOverrides } from '../policy/policy-settings.js';
import { tenureOf } from '../policy/tenure.js';
import { grantStore, type GrantStore } from './grants.js';
import { memberStore, type MemberStore } from './members.js';
import type { PeopleClock } from './people-clock.js';
import { tokenStore, type TokenStore } from './tokens.js';

export interface PeopleOptions {
  readonly dataDir: string;
  /** The HMAC key of personal tokens (the data dir's secrets). */
  readonly pepper: string;
  /** The admin token now (it can be rotated while running). */
  readonly adminToken: () => string;
  /** The config file's `policy` section, flattened. */
  readonly policyConfig: PolicyOverrides;
  readonly clock: PeopleClock;
}

/** Who a request comes from, or why it does not authenticate (said in the 401 and the audit log). */
export type AuthResult = { readonly actor: Actor } | { readonly actor: null; readonly why: string };

/** Where a request came from (recorded as the token's last use). */
export interface RequestOrigin {
  readonly ip: string | null;
}

const ADMIN_TOKEN_DISABLED = 'adminToken.disabled';

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** How an actor appears in the audit log. */
export function auditActorOf(actor: Actor | null): AuditActor {
  if (actor === null) return { type: 'anonymous', id: null, label: null, tokenId: null };
  if (actor.kind === 'bootstrap') return { type: 'bootstrap', id: null, label: 'admin token', tokenId: null };
  return { type: 'member', id: actor.member.id, label: actor.member.email, tokenId: actor.token.id };
}

/** The control store's key-value settings (the admin token's switch, the policy section last seen). */
function settingsOf(db: ControlStore['db']) {
  return {
    setting: (key: string) => db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?').get(key)?.value ?? null,
    putSetting: (key: string, value: string) => db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value),
  };
}

/** What `authenticate` checks a presented token against. */
interface Credentials {
  readonly adminToken: () => string;
  readonly adminTokenDisabled: () => boolean;
  readonly tokens: TokenStore;
  readonly members: MemberStore;
  readonly grants: GrantStore;
}

/** Who presents this token (the admin token, or a member's live personal token), or why no one does. */
function authenticateWith(c: Credentials, presented: string, from: RequestOrigin): AuthResult {
  if (sameSecret(presented, c.adminToken())) {
    if (c.adminTokenDisabled()) return { actor: null, why: 'the admin token is disabled: sign in with a personal token (touchline login)' };
    return { actor: { kind: 'bootstrap' } };
  }
  const check = c.tokens.check(presented);
  if (!check.ok) {
    if (!('token' in check)) return { actor: null, why: 'the token is not one this server knows' };
    return { actor: null, why: `token ${check.token.id} is ${check.why === 'revoked' ? `revoked (${check.token.revokedAt})` : `expired (${check.token.expiresAt})`}` };
  }
  const member = c.members.find(check.token.memberId);
  if (!member) return { actor: null, why: 'the token is not one this server knows' };
  if (member.disabledAt !== null) return { actor: null, why: `member ${member.email} is disabled` };
  c.tokens.touch(check.token, from.ip);
  return { actor: { kind: 'member', member, token: { id: check.token.id, scopes: check.token.scopes }, grants: c.grants.current(member.id) } };
}

/** Whether an owner can act without the admin token: enabled, in tenure, with a live token holding the admin scope. */
function ownerWithLiveToken(members: MemberStore, tokens: TokenStore, now: Date): boolean {
  return members.activeOwners().some(
    (m) => tenureOf(m, now).band === 'active' &&
      tokens.list(m.id).some((t) => t.revokedAt === null && Date.parse(t.expiresAt) > now.getTime() && t.scopes.includes('admin')),
  );
}

/**
 * The people side of Touchline over the control store: members, personal tokens, grants, the
 * policy's overrides and the audit log, and the two questions every admin request asks — who is
 * this (`authenticate`) and may they (`decide`). One closure over one SQLite handle, so its methods
 * are listed together rather than split into files that would share that state.
 */
export function openPeople(o: PeopleOptions) {
  const store: ControlStore = openControlStore(controlStorePath(o.dataDir));
  const { db } = store;
  const members: MemberStore = memberStore(db, o.clock);
  const tokens: TokenStore = tokenStore(db, o.clock, Buffer.from(o.pepper));
  const grants: GrantStore = grantStore(db, o.clock);
  const audit: AuditLog = auditLog(db, o.clock);
  const { setting, putSetting } = settingsOf(db);
  const storedOverrides = (): PolicyOverrides =>
    Object.fromEntries(db.prepare<[], { key: string; value: string }>('SELECT key, value FROM policy_overrides ORDER BY key').all().map((r) => [r.key, JSON.parse(r.value) as unknown]));
  // Checked now: a policy section the policy cannot use stops the start, naming the key.
  let policy: PolicySettings = effectivePolicy(o.policyConfig, storedOverrides());

  const authenticate = (presented: string, from: RequestOrigin = { ip: null }): AuthResult =>
    authenticateWith({ adminToken: o.adminToken, adminTokenDisabled: () => setting(ADMIN_TOKEN_DISABLED) === '1', tokens, members, grants }, presented, from);

  return {
    store,
    members,
    tokens,
    grants,
    audit,
    authenticate,
    policy: (): PolicySettings => policy,
    decide: (actor: Actor, action: AdminAction, ctx: Omit<DecisionContext, 'now'> = {}): Decision => decide(actor, action, { ...ctx, now: o.clock.now() }, policy),
    allowedActions: (actor: Actor): AdminAction[] => allowedActions(actor, { now: o.clock.now() }, policy),
    /** The overrides `policy set` stored (the config file's are in the file). */
    storedOverrides,
    /** Stores one override after checking it and the policy it makes; returns the value before and after. */
    setPolicy(key: string, value: unknown, by: string): { before: unknown; after: unknown } {
      const parsed = parsePolicyValue(key, value);
      const current = storedOverrides();
      const next = effectivePolicy(o.policyConfig, { ...current, [key]: parsed });
      db.prepare('INSERT INTO policy_overrides (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by').run(
        key, JSON.stringify(parsed), o.clock.now().toISOString(), by,
      );
      const before = current[key as keyof PolicyOverrides] ?? null;
      policy = next;
      return { before, after: parsed };
    },
    /** The config file's policy section as seen at the last start (to audit what changed), and record this one. */
    swapConfigSeen(now: PolicyOverrides): PolicyOverrides | null {
      const before = setting('policy.config');
      putSetting('policy.config', JSON.stringify(now));
      return before === null ? null : (JSON.parse(before) as PolicyOverrides);
    },
    adminTokenDisabled: () => setting(ADMIN_TOKEN_DISABLED) === '1',
    /** An owner who can act without the admin token: enabled, in tenure, with a live token holding the admin scope. */
    ownerWithLiveToken: (): boolean => ownerWithLiveToken(members, tokens, o.clock.now()),
    setAdminTokenDisabled(disabled: boolean): void {
      putSetting(ADMIN_TOKEN_DISABLED, disabled ? '1' : '0');
    },
    /** Removes audit records past the policy's retention; returns how many. */
    pruneAudit: (): number => audit.prune(new Date(o.clock.now().getTime() - policy.audit.retentionDays * 86_400_000)),
    close: () => store.close(),
  };
}
export type People = ReturnType<typeof openPeople>;
