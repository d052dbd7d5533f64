import { z } from 'zod';
import { ADMIN_ACTIONS, OWNER_RESERVED, ROLES, type AdminAction, type Role } from './actions.js';
import { DEFAULT_POLICY, type PolicySettings } from './policy-defaults.js';

const Action = z.enum(ADMIN_ACTIONS);
const Days = z.number().int().min(0).max(36_500);

/** One role's change to the shipped table: actions added, actions taken away. */
const RoleChangeSchema = z
  .object({ allow: z.array(Action).default([]), deny: z.array(Action).default([]) })
  .strict();

/**
 * Every key an override may set, with what its value must be. The config file's `policy` section
 * nests them (`{"tenure": {"probationDays": 14}}`); `touchline policy set` names them flat
 * (`tenure.probationDays 14`). One table, so both say the same thing.
 */
export const POLICY_KEYS = {
  ...(Object.fromEntries(ROLES.map((r) => [`roles.${r}`, RoleChangeSchema])) as Record<`roles.${Role}`, typeof RoleChangeSchema>),
  'tenure.probationDays': Days,
  'tenure.probationMaxRows': z.number().int().min(0),
  'tenure.minDays': z.partialRecord(Action, Days),
  'sends.testOnlyRoles': z.array(z.enum(ROLES)),
  'tokens.defaultDays': z.number().int().min(1).max(3650),
  'tokens.maxDays': z.number().int().min(1).max(3650),
  // Regulated teams keep years; a month is the least an investigation needs.
  'audit.retentionDays': z.number().int().min(30).max(36_500),
  // At least an hour (a colleague must have time to look); at most a week (a diff goes stale).
  'approvals.expiryHours': z.number().int().min(1).max(168),
  'approvals.firstRealRun': z.boolean(),
  'approvals.forwardingRules': z.boolean(),
  // Personal data in the warehouse: days, or null to keep it (src/privacy/retention.ts).
  'retention.ipUserAgentDays': z.number().int().min(1).max(36_500).nullable(),
  'retention.eventsDays': z.number().int().min(1).max(36_500).nullable(),
  'retention.syncRowResultsDays': z.number().int().min(1).max(36_500).nullable(),
  'retention.failedEventsDays': z.number().int().min(1).max(36_500).nullable(),
} as const;
export type PolicyKey = keyof typeof POLICY_KEYS;

export const isPolicyKey = (k: string): k is PolicyKey => Object.hasOwn(POLICY_KEYS, k);

/** Overrides by flat key; a key absent keeps the default. */
export type PolicyOverrides = Partial<Record<PolicyKey, unknown>>;

const section = <K extends string>(prefix: string, keys: readonly K[]) =>
  z
    .object(Object.fromEntries(keys.map((k) => [k, POLICY_KEYS[`${prefix}.${k}` as PolicyKey].optional()])) as unknown as Record<K, z.ZodOptional<z.ZodType>>)
    .strict()
    .optional();

/**
 * The config file's `policy` section (docs/governance.md): overrides of the defaults in code. Only
 * what differs is written; changes against the last start are audited at start.
 */
export const PolicyConfigSchema = z
  .object({
    roles: section('roles', ROLES),
    tenure: section('tenure', ['probationDays', 'probationMaxRows', 'minDays']),
    sends: section('sends', ['testOnlyRoles']),
    tokens: section('tokens', ['defaultDays', 'maxDays']),
    audit: section('audit', ['retentionDays']),
    approvals: section('approvals', ['expiryHours', 'firstRealRun', 'forwardingRules']),
    retention: section('retention', ['ipUserAgentDays', 'eventsDays', 'syncRowResultsDays', 'failedEventsDays']),
  })
  .strict()
  .prefault({});
export type PolicyConfig = z.infer<typeof PolicyConfigSchema>;

/** The config section as flat overrides (what `policy show` lists and `policy set` compares with). */
export function flattenPolicyConfig(c: PolicyConfig): PolicyOverrides {
  const out: PolicyOverrides = {};
  for (const [sectionName, values] of Object.entries(c)) {
    for (const [k, v] of Object.entries((values ?? {}) as Record<string, unknown>)) {
      if (v !== undefined) out[`${sectionName}.${k}` as PolicyKey] = v;
    }
  }
  return out;
}

/** A policy problem, naming the key. */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
}

/** Checks one override; returns the value as the policy reads it. */
export function parsePolicyValue(key: string, value: unknown): unknown {
  if (!isPolicyKey(key)) throw new PolicyError(`unknown policy key "${key}": one of ${Object.keys(POLICY_KEYS).join(', ')}`);
  const r = POLICY_KEYS[key].safeParse(value);
  if (!r.success) throw new PolicyError(`policy ${key}: ${r.error.issues.map((i) => `${i.path.join('.') || 'value'} ${i.message}`).join('; ')}`);
  return r.data;
}

function applyRoleChange(roles: Record<Role, Set<AdminAction>>, role: Role, change: z.infer<typeof RoleChangeSchema>, where: string): void {
  for (const a of change.allow) {
    if (role !== 'owner' && OWNER_RESERVED.has(a)) throw new PolicyError(`${where}.allow: "${a}" stays with owners (change the member's role instead)`);
    roles[role].add(a);
  }
  for (const a of change.deny) {
    if (role === 'owner' && OWNER_RESERVED.has(a)) throw new PolicyError(`${where}.deny: owners keep "${a}" (otherwise nobody could change the policy back)`);
    roles[role].delete(a);
  }
}

/**
 * The effective policy: the defaults, then each layer of overrides in order (config file, then
 * `policy set`). Throws {@link PolicyError} naming the key of a value the policy cannot use.
 */
export function effectivePolicy(...layers: readonly PolicyOverrides[]): PolicySettings {
  const roles = Object.fromEntries(ROLES.map((r) => [r, new Set(DEFAULT_POLICY.roles[r])])) as Record<Role, Set<AdminAction>>;
  let { tenure, sends, tokens, audit, approvals, retention } = DEFAULT_POLICY;
  for (const layer of layers) {
    for (const [key, raw] of Object.entries(layer)) {
      if (raw === undefined) continue;
      const v = parsePolicyValue(key, raw);
      const [head, tail] = key.split('.') as [string, string];
      if (head === 'roles') applyRoleChange(roles, tail as Role, v as z.infer<typeof RoleChangeSchema>, `policy.${key}`);
      else if (head === 'tenure') tenure = { ...tenure, [tail]: v };
      else if (head === 'sends') sends = { ...sends, [tail]: v };
      else if (head === 'tokens') tokens = { ...tokens, [tail]: v };
      else if (head === 'audit') audit = { ...audit, [tail]: v };
      else if (head === 'approvals') approvals = { ...approvals, [tail]: v };
      else if (head === 'retention') retention = { ...retention, [tail]: v };
    }
  }
  if (tokens.defaultDays > tokens.maxDays) throw new PolicyError(`policy tokens.defaultDays (${tokens.defaultDays}) must not exceed tokens.maxDays (${tokens.maxDays})`);
  return { roles, tenure, sends, tokens, audit, approvals, retention };
}

/** The policy as plain data (what `policy show` prints): every key with its value. */
export function describePolicy(p: PolicySettings): Record<PolicyKey, unknown> {
  return {
    ...(Object.fromEntries(ROLES.map((r) => [`roles.${r}`, [...p.roles[r]]])) as Record<`roles.${Role}`, unknown>),
    'tenure.probationDays': p.tenure.probationDays,
    'tenure.probationMaxRows': p.tenure.probationMaxRows,
    'tenure.minDays': p.tenure.minDays,
    'sends.testOnlyRoles': p.sends.testOnlyRoles,
    'tokens.defaultDays': p.tokens.defaultDays,
    'tokens.maxDays': p.tokens.maxDays,
    'audit.retentionDays': p.audit.retentionDays,
    'approvals.expiryHours': p.approvals.expiryHours,
    'approvals.firstRealRun': p.approvals.firstRealRun,
    'approvals.forwardingRules': p.approvals.forwardingRules,
    'retention.ipUserAgentDays': p.retention.ipUserAgentDays,
    'retention.eventsDays': p.retention.eventsDays,
    'retention.syncRowResultsDays': p.retention.syncRowResultsDays,
    'retention.failedEventsDays': p.retention.failedEventsDays,
  };
}
