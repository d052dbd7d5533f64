import type { AdminAction, Role } from './actions.js';

/** The policy's settings, whole: the defaults below with the overrides of policy-settings.ts applied. */
export interface PolicySettings {
  /** What each role may do. */
  readonly roles: Readonly<Record<Role, ReadonlySet<AdminAction>>>;
  readonly tenure: {
    /** A member's first days in the team, counted from the start date: sends are test-only and capped. @defaultValue 30 */
    readonly probationDays: number;
    /** The most rows one send may carry during probation. @defaultValue 1000 */
    readonly probationMaxRows: number;
    /** Actions that need this many days in the team. @defaultValue write keys (sources.create / sources.revoke): 90 */
    readonly minDays: Readonly<Partial<Record<AdminAction, number>>>;
  };
  readonly sends: {
    /** Roles whose sends run in the destination's test mode only (whatever their tenure). @defaultValue ['marketer'] */
    readonly testOnlyRoles: readonly Role[];
  };
  readonly tokens: {
    /** A new personal token's lifetime unless asked otherwise. @defaultValue 90 */
    readonly defaultDays: number;
    /** The longest lifetime a token may be given. @defaultValue 365 */
    readonly maxDays: number;
  };
  readonly audit: {
    /** Audit records older than this are pruned (the chain keeps an anchor). @defaultValue 400 */
    readonly retentionDays: number;
  };
  readonly approvals: {
    /** A request not decided within this many hours expires, and sends nothing. @defaultValue 24 */
    readonly expiryHours: number;
    /** The first real run of a sync (no earlier real run or baseline succeeded) waits for a second person. @defaultValue true */
    readonly firstRealRun: boolean;
    /**
     * A forwarding rule to a production destination that is new or changed (by the digest of its
     * config) forwards nothing until a member approves it (src/approvals/forwarding-rules.ts).
     * @defaultValue true
     */
    readonly forwardingRules: boolean;
  };
  /**
   * How long personal data is kept in the warehouse (src/privacy/retention.ts; docs/governance.md,
   * "Retention"), each in days or null (kept). Off by default: turning one on deletes data.
   */
  readonly retention: {
    /** Raw IP addresses and user agents cleared (browser, OS and device columns kept). @defaultValue null */
    readonly ipUserAgentDays: number | null;
    /** Events deleted. @defaultValue null */
    readonly eventsDays: number | null;
    /** Sync row results (what was sent, per row) deleted. @defaultValue null */
    readonly syncRowResultsDays: number | null;
    /** Failed (quarantined) events deleted. @defaultValue null */
    readonly failedEventsDays: number | null;
  };
}

const VIEWER: readonly AdminAction[] = [
  'me.read',
  'status.read',
  'dashboard.read',
  'quality.read',
  'plans.read',
  'sources.list',
  'syncs.list',
  'destinations.list',
  'syncs.read',
  'tokens.list',
  'tokens.create',
  'tokens.revoke',
  'metrics.read',
];
const ANALYST: readonly AdminAction[] = [...VIEWER, 'sql.query', 'attribution.run', 'syncs.dry-run', 'export.run', 'journeys.read', 'events.live'];
// Marketers run syncs, in the destination's test mode (sends.testOnlyRoles), and may stop one.
// Marketers pull and import ad spend too (it writes spend, sends nothing).
const MARKETER: readonly AdminAction[] = [...ANALYST, 'syncs.run', 'syncs.cancel', 'spend.pull', 'spend.import'];
const ADMIN: readonly AdminAction[] = [
  ...MARKETER,
  'sources.create',
  'sources.revoke',
  'loader.flush',
  'spend.demo',
  'destinations.connect',
  'destinations.disconnect',
  'members.list',
  'policy.read',
  'audit.read',
  'audit.verify',
  'approvals.list',
  'approvals.read',
  'approvals.decide',
  'plans.reload',
  'plans.replay',
  'privacy.read',
  'privacy.delete',
  'privacy.suppressions.remove',
];
const OWNER: readonly AdminAction[] = [
  ...ADMIN,
  'members.add',
  'members.set-role',
  'members.disable',
  'members.grant',
  'members.tokens',
  'policy.set',
  'admin-token.rotate',
  'admin-token.disable',
  'admin-token.enable',
];

/** The role table as shipped: each role what the one before may do, and more. */
export const DEFAULT_ROLE_ACTIONS: Readonly<Record<Role, readonly AdminAction[]>> = {
  viewer: VIEWER,
  analyst: ANALYST,
  marketer: MARKETER,
  admin: ADMIN,
  owner: OWNER,
};

export const DEFAULT_POLICY: PolicySettings = {
  roles: Object.fromEntries(Object.entries(DEFAULT_ROLE_ACTIONS).map(([r, a]) => [r, new Set(a)])) as unknown as PolicySettings['roles'],
  // Approving another's send is not for someone in their own first 30 days (the probation).
  tenure: { probationDays: 30, probationMaxRows: 1000, minDays: { 'sources.create': 90, 'sources.revoke': 90, 'approvals.decide': 30, 'privacy.delete': 30, 'privacy.suppressions.remove': 30 } },
  sends: { testOnlyRoles: ['marketer'] },
  tokens: { defaultDays: 90, maxDays: 365 },
  audit: { retentionDays: 400 },
  approvals: { expiryHours: 24, firstRealRun: true, forwardingRules: true },
  retention: { ipUserAgentDays: null, eventsDays: null, syncRowResultsDays: null, failedEventsDays: null },
};
