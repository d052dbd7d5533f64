/**
 * The vocabulary of the one policy (docs/governance.md): what an admin request can do (actions),
 * who a member is (roles), and what a personal token may be used for (scopes). Closed lists: a
 * route with a new action extends ADMIN_ACTIONS, and the policy's table test then asks for it.
 */

/** What each admin route does: the name the policy decides on and the audit log records. */
export const ADMIN_ACTIONS = [
  'status.read',
  'sql.query',
  'sources.list',
  'sources.create',
  'sources.revoke',
  'loader.flush',
  'attribution.run',
  'syncs.list',
  'syncs.read',
  'syncs.dry-run',
  'syncs.run',
  'syncs.cancel',
  /** The dashboard's pages (src/dashboard/): overview and data quality; one person's journey and the live events carry personal data. Its attribution page uses attribution.run, its activation page syncs.*. */
  'dashboard.read',
  'quality.read',
  'journeys.read',
  'events.live',
  /** `touchline export` (the CLI's offline mode; no route yet). */
  'export.run',
  /** Who the caller is and what it may do (`GET /admin/me`, the dashboard's sign-in). */
  'me.read',
  /** One's own personal tokens. */
  'tokens.list',
  'tokens.create',
  'tokens.revoke',
  'members.list',
  'members.add',
  'members.set-role',
  'members.disable',
  'members.grant',
  /** Another member's tokens: list, create (how a new member gets a first token), revoke. */
  'members.tokens',
  'policy.read',
  'policy.set',
  'audit.read',
  'audit.verify',
  'admin-token.rotate',
  'admin-token.disable',
  'admin-token.enable',
  /** `/metrics` (the operations issue): Prometheus sends a token with the `metrics` scope. */
  'metrics.read',
  /** Destination connections (src/connections/): their state; an OAuth grant made (connect flow or pasted refresh token) or forgotten. */
  'destinations.list',
  'destinations.connect',
  'destinations.disconnect',
  /** Two-person approval of risky sends (src/approvals/): the requests, one with its diff, and approving or rejecting one. */
  'approvals.list',
  'approvals.read',
  'approvals.decide',
  /** The tracking plan (src/plans/): its violations, inferred drafts and diffs; reloading it; replaying what it quarantined. */
  'plans.read',
  'plans.reload',
  'plans.replay',
  /**
   * Privacy requests (docs/governance.md, "Privacy"): removing a person everywhere and
   * suppressing them (dry runs too: they show what is held about someone), looking at requests
   * and the suppression list (hashes only), and lifting a suppression.
   */
  'privacy.delete',
  'privacy.read',
  'privacy.suppressions.remove',
  /** Ad spend pulled from the networks' reporting APIs now (`touchline spend pull`, docs/spend.md). */
  'spend.pull',
  /** A spend, exchange-rate or campaign CSV imported through the running server (`touchline spend import`). */
  'spend.import',
  /** The demo shop's synthetic ad spend written into the warehouse (`touchline demo`). */
  'spend.demo',
] as const;
export type AdminAction = (typeof ADMIN_ACTIONS)[number];

export const isAdminAction = (s: string): s is AdminAction => (ADMIN_ACTIONS as readonly string[]).includes(s);

/** Roles, weakest first: each holds what the one before holds, and more (policy-defaults.ts). */
export const ROLES = ['viewer', 'analyst', 'marketer', 'admin', 'owner'] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (s: string): s is Role => (ROLES as readonly string[]).includes(s);

/** What a personal token may be used for; a token's scopes narrow its member's role, never widen it. */
export const SCOPES = ['read', 'analyze', 'sync', 'admin', 'metrics'] as const;
export type Scope = (typeof SCOPES)[number];

export const isScope = (s: string): s is Scope => (SCOPES as readonly string[]).includes(s);

/**
 * The scope each action needs (`null`: any token). Creating and revoking one's own tokens needs
 * `admin`: a leaked read-only token cannot mint a token that outlives its revocation.
 */
export const SCOPE_OF: Readonly<Record<AdminAction, Scope | null>> = {
  'status.read': 'read',
  'sources.list': 'read',
  'syncs.list': 'read',
  'syncs.read': 'read',
  'tokens.list': 'read',
  'members.list': 'read',
  'policy.read': 'read',
  'audit.read': 'read',
  'dashboard.read': 'read',
  'quality.read': 'read',
  'sql.query': 'analyze',
  'journeys.read': 'analyze',
  'events.live': 'analyze',
  'attribution.run': 'analyze',
  'syncs.dry-run': 'analyze',
  'export.run': 'analyze',
  'syncs.run': 'sync',
  'syncs.cancel': 'sync',
  'sources.create': 'admin',
  'sources.revoke': 'admin',
  'loader.flush': 'admin',
  'tokens.create': 'admin',
  'tokens.revoke': 'admin',
  'members.add': 'admin',
  'members.set-role': 'admin',
  'members.disable': 'admin',
  'members.grant': 'admin',
  'members.tokens': 'admin',
  'policy.set': 'admin',
  'audit.verify': 'admin',
  'admin-token.rotate': 'admin',
  'admin-token.disable': 'admin',
  'admin-token.enable': 'admin',
  'metrics.read': 'metrics',
  'destinations.list': 'read',
  'destinations.connect': 'admin',
  'destinations.disconnect': 'admin',
  'approvals.list': 'read',
  'approvals.read': 'read',
  // Approving starts the send: the same scope as running a sync.
  'approvals.decide': 'sync',
  'plans.read': 'read',
  'plans.reload': 'admin',
  'plans.replay': 'admin',
  'privacy.delete': 'admin',
  'privacy.read': 'admin',
  'privacy.suppressions.remove': 'admin',
  // It writes spend into the warehouse and spends the networks' API quota, but sends nothing: a sync's scope.
  'spend.pull': 'sync',
  // Like a pull: it writes spend (from a file), sends nothing.
  'spend.import': 'sync',
  // Synthetic cost in the warehouse: an admin's decision.
  'spend.demo': 'admin',
  'me.read': null,
};

/**
 * Actions a time-bound grant may not give: who is a member, what the policy says, and the admin
 * token stay with owners (an owner who wants another owner changes the role, on the record).
 */
export const OWNER_RESERVED: ReadonlySet<AdminAction> = new Set([
  'members.add',
  'members.set-role',
  'members.disable',
  'members.grant',
  'members.tokens',
  'policy.set',
  'admin-token.rotate',
  'admin-token.disable',
  'admin-token.enable',
]);

/** Actions that send rows to a destination: the tenure rules on sends apply to them. */
export const SEND_ACTIONS: ReadonlySet<AdminAction> = new Set(['syncs.run']);
