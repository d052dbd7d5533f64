import { z } from 'zod';
import type { RouteDoc } from '../http/route-doc.js';
import { ADMIN_ACTIONS, ROLES, SCOPES } from '../policy/actions.js';

// The people routes' schemas and examples (people-routes.ts), beside them for length only.

const Role = z.enum(ROLES);
const Member = z.object({
  id: z.string(), name: z.string(), email: z.string(), role: Role, startDate: z.string(), endDate: z.string().nullable(),
  disabledAt: z.string().nullable(), createdAt: z.string(), updatedAt: z.string(),
});
const TokenInfo = z.object({
  id: z.string(), memberId: z.string(), name: z.string(), scopes: z.array(z.enum(SCOPES)), createdAt: z.string(), createdBy: z.string(),
  expiresAt: z.string(), revokedAt: z.string().nullable(), revokedReason: z.string().nullable(), lastUsedAt: z.string().nullable(), lastUsedIp: z.string().nullable(),
});
const Grant = z.object({
  id: z.string(), memberId: z.string(), actions: z.array(z.enum(ADMIN_ACTIONS)), from: z.string(), until: z.string(),
  reason: z.string(), grantedBy: z.string(), createdAt: z.string(),
});
const AuditActor = z.object({ type: z.enum(['member', 'bootstrap', 'system', 'offline', 'anonymous']), id: z.string().nullable(), label: z.string().nullable(), tokenId: z.string().nullable() });
const AuditRecord = z.object({
  seq: z.number().int(), id: z.string(), occurredAt: z.string(), actor: AuditActor, action: z.string(), target: z.string().nullable(), params: z.unknown(),
  outcome: z.enum(['allowed', 'denied', 'failed']), rule: z.string().nullable(), reason: z.string().nullable(), status: z.number().int().nullable(),
  ip: z.string().nullable(), userAgent: z.string().nullable(), before: z.unknown(), after: z.unknown(), prevHash: z.string(), hash: z.string(),
});
/** Who is asking (`describeActor`): the admin token, or a member with the token they presented and their live grants. */
const ActorView = z.union([
  z.object({ kind: z.literal('bootstrap') }),
  z.object({ kind: z.literal('member'), member: z.looseObject(Member.pick({ id: true, name: true, email: true, role: true, startDate: true, endDate: true }).shape), token: z.object({ id: z.string(), scopes: z.array(z.enum(SCOPES)) }), grants: z.array(Grant.pick({ id: true, actions: true, from: true, until: true })) }),
]);

/** A member by id (`mem_…`) or e-mail address, as `touchline members` names them. */
const MemberRef = z.object({ ref: z.string().min(1).max(254).regex(/^[^\s\p{Cc}]+$/u, 'a member id or e-mail address') });
const TOKEN_ID = /^[0-9a-f]{16}$/;
const TokenId = z.string().regex(TOKEN_ID, 'a token id: the 16 hex digits after tl_pat_ (touchline tokens list)');
const Reason = z.looseObject({ reason: z.string().optional() }).optional();

/** What a member is added with; the e-mail address, name and dates are checked by the member store (one place for both API and CLI). */
export const NewMemberBody = z.looseObject({
  name: z.string(), email: z.string(), role: Role,
  startDate: z.string().optional().describe('YYYY-MM-DD, the first day in the team; today when absent'),
  endDate: z.string().nullable().optional().describe('YYYY-MM-DD, the last day'),
});
export const RoleBody = z.looseObject({ role: Role });
export const GrantBody = z.looseObject({
  actions: z.array(z.enum(ADMIN_ACTIONS)), until: z.string().describe('ISO instant, in the future, at most 90 days away'), reason: z.string(),
});
/** A token's name, scopes and lifetime (`tokens.maxDays` of the policy caps `days`). */
export const NewTokenBody = z.looseObject({
  name: z.string().optional().describe('"token" when absent'),
  scopes: z.array(z.enum(SCOPES)),
  days: z.number().int().min(1).optional().describe('the policy\'s tokens.defaultDays when absent; at most tokens.maxDays'),
}).optional();
const whole = (v: string) => Number.isInteger(Number(v)) && Number(v) > 0;
export const AuditQuery = z.object({
  since: z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'a date or time (ISO 8601)').optional(),
  member: z.string().optional().describe('a member id or e-mail address'),
  action: z.string().optional().describe('an action, or a prefix ending in . or *'),
  limit: z.string().refine(whole, 'a positive whole number').optional().describe('100 when absent'),
});

const ANA = {
  id: 'mem_3b8d51f0a2c47e19', name: 'Ana Ruiz', email: 'ana@example.com', role: 'analyst', startDate: '2026-11-02', endDate: null,
  disabledAt: null, createdAt: '2026-11-02T09:00:00.000Z', updatedAt: '2026-11-02T09:00:00.000Z',
} as const;
const LAPTOP = {
  id: '5f0c2a9e81b3d47c', memberId: ANA.id, name: 'laptop', scopes: ['read', 'analyze'], createdAt: '2026-11-02T09:05:00.000Z', createdBy: 'mem_91af22c0d8e4b573',
  expiresAt: '2027-01-31T09:05:00.000Z', revokedAt: null, revokedReason: null, lastUsedAt: '2026-12-07T14:12:40.000Z', lastUsedIp: '10.0.4.17',
} as const;
const REVOKED = { ...LAPTOP, revokedAt: '2026-12-07T15:00:00.000Z', revokedReason: 'laptop replaced' };
const GRANT = {
  id: 'grt_7a1c93e0b5d24f68', memberId: ANA.id, actions: ['syncs.run'], from: '2026-12-07T15:00:00.000Z', until: '2026-12-14T15:00:00.000Z',
  reason: 'covers the launch week', grantedBy: 'mem_91af22c0d8e4b573', createdAt: '2026-12-07T15:00:00.000Z',
} as const;
const NEW_TOKEN = {
  token: 'tl_pat_5f0c2a9e81b3d47c_Qm3vX9aL2pR7sT0wY5zB8cD1eF4gH6jK9mN2pQ5rS8u',
  info: LAPTOP,
  note: 'the token is shown this once: keep it now',
} as const;
const NewToken = z.object({ token: z.string(), info: TokenInfo, note: z.string() });
const NO_MEMBER = { status: 404, body: { success: false, error: 'not_found', message: 'no member "olga@example.com" (touchline members list)' } } as const;

export const MEMBER_DOCS = {
  me: {
    summary: 'Who the caller is, and every action the policy lets them take now',
    response: z.object({ actor: ActorView, allowedActions: z.array(z.enum(ADMIN_ACTIONS)) }),
    examples: [{
      name: 'a member',
      response: { status: 200, body: { actor: { kind: 'member', member: ANA, token: { id: LAPTOP.id, scopes: ['read', 'analyze'] }, grants: [] }, allowedActions: ['status.read', 'sql.query', 'me.read'] } },
    }],
  },
  list: {
    summary: 'Every member, disabled ones too',
    response: z.object({ members: z.array(Member) }),
    examples: [{ name: 'one member', response: { status: 200, body: { members: [ANA] } } }],
  },
  add: {
    summary: 'Adds a member with a role and a start date (tenure counts from it)',
    body: NewMemberBody,
    response: Member,
    examples: [
      { name: 'analyst', request: { body: { name: 'Ana Ruiz', email: 'ana@example.com', role: 'analyst', startDate: '2026-11-02' } }, response: { status: 201, body: ANA } },
      {
        name: 'taken',
        request: { body: { name: 'Ana R.', email: 'ana@example.com', role: 'viewer' } },
        response: { status: 409, body: { success: false, error: 'conflict', message: 'a member with the e-mail address ana@example.com exists already' } },
      },
    ],
  },
  setRole: {
    summary: 'Changes a member\'s role (the last active owner keeps theirs)',
    params: MemberRef,
    body: RoleBody,
    response: Member,
    examples: [{ name: 'to marketer', request: { params: { ref: 'ana@example.com' }, body: { role: 'marketer' } }, response: { status: 200, body: { ...ANA, role: 'marketer', updatedAt: '2026-12-07T15:00:00.000Z' } } }],
  },
  disable: {
    summary: 'Disables a member: their tokens stop working at once',
    params: MemberRef,
    response: Member,
    examples: [
      { name: 'disabled', request: { params: { ref: 'ana@example.com' } }, response: { status: 200, body: { ...ANA, disabledAt: '2026-12-07T15:00:00.000Z', updatedAt: '2026-12-07T15:00:00.000Z' } } },
      { name: 'unknown', request: { params: { ref: 'olga@example.com' } }, response: NO_MEMBER },
    ],
  },
  grant: {
    summary: 'Grants a member actions beyond their role, for a while and for a reason',
    params: MemberRef,
    body: GrantBody,
    response: Grant,
    examples: [{ name: 'launch week', request: { params: { ref: 'ana@example.com' }, body: { actions: ['syncs.run'], until: '2026-12-14T15:00:00.000Z', reason: 'covers the launch week' } }, response: { status: 201, body: GRANT } }],
  },
} satisfies Record<string, RouteDoc>;

export const TOKEN_DOCS = {
  memberList: {
    summary: 'A member\'s personal tokens (never their secrets)',
    params: MemberRef,
    response: z.object({ tokens: z.array(TokenInfo) }),
    examples: [{ name: 'one token', request: { params: { ref: 'ana@example.com' } }, response: { status: 200, body: { tokens: [LAPTOP] } } }],
  },
  memberCreate: {
    summary: 'A personal token for a member, shown this once (how a new member gets a first one)',
    params: MemberRef,
    body: NewTokenBody,
    response: NewToken,
    examples: [
      { name: 'read and analyze', request: { params: { ref: 'ana@example.com' }, body: { name: 'laptop', scopes: ['read', 'analyze'], days: 90 } }, response: { status: 201, body: NEW_TOKEN } },
      {
        name: 'past the policy',
        request: { params: { ref: 'ana@example.com' }, body: { scopes: ['read'], days: 1000 } },
        response: { status: 400, body: { success: false, error: 'invalid', message: 'days: a whole number from 1 to 365 (tokens.maxDays); every token expires' } },
      },
    ],
  },
  memberRevoke: {
    summary: 'Revokes one of a member\'s tokens',
    params: MemberRef.extend({ id: TokenId }),
    body: Reason,
    response: TokenInfo,
    examples: [{ name: 'revoked', request: { params: { ref: 'ana@example.com', id: LAPTOP.id }, body: { reason: 'laptop replaced' } }, response: { status: 200, body: REVOKED } }],
  },
  list: {
    summary: 'The caller\'s own tokens (every token, for the admin token)',
    response: z.object({ tokens: z.array(TokenInfo) }),
    examples: [{ name: 'mine', response: { status: 200, body: { tokens: [LAPTOP] } } }],
  },
  create: {
    summary: 'A personal token of the caller\'s own, no wider than the token asking; shown this once',
    body: NewTokenBody,
    response: NewToken,
    examples: [
      { name: 'laptop', request: { body: { name: 'laptop', scopes: ['read', 'analyze'] } }, response: { status: 201, body: NEW_TOKEN } },
      {
        name: 'with the admin token',
        request: { body: { scopes: ['read'] } },
        response: { status: 400, body: { success: false, error: 'bad_request', message: 'the admin token belongs to no member: create a member\'s token with POST /admin/members/<email>/tokens (touchline tokens create --member <email>)' } },
      },
    ],
  },
  revoke: {
    summary: 'Revokes one of the caller\'s own tokens',
    params: z.object({ id: TokenId }),
    body: Reason,
    response: TokenInfo,
    examples: [
      { name: 'revoked', request: { params: { id: LAPTOP.id }, body: { reason: 'laptop replaced' } }, response: { status: 200, body: REVOKED } },
      { name: 'another\'s', request: { params: { id: '0123456789abcdef' } }, response: { status: 404, body: { success: false, error: 'not_found', message: 'no token "0123456789abcdef" of yours (touchline tokens list)' } } },
    ],
  },
} satisfies Record<string, RouteDoc>;

const Change = z.object({ before: z.unknown(), after: z.unknown() });
export const GOVERNANCE_DOCS = {
  policy: {
    summary: 'The policy in force (every key and value) and the overrides stored with `policy set`',
    response: z.object({ policy: z.record(z.string(), z.unknown()), overrides: z.record(z.string(), z.unknown()) }),
    examples: [{
      name: 'defaults and one override',
      response: { status: 200, body: { policy: { 'tenure.probationDays': 14, 'tokens.defaultDays': 90, 'tokens.maxDays': 365, 'approvals.firstRealRun': true }, overrides: { 'tenure.probationDays': 14 } } },
    }],
  },
  setPolicy: {
    summary: 'Stores one policy override (checked with the policy it makes: owners keep their actions)',
    params: z.object({ key: z.string().min(1).max(80).describe('a policy key (`touchline policy show`), e.g. tenure.probationDays') }),
    body: z.looseObject({ value: z.unknown().describe('the new value, of the key\'s type') }),
    response: Change.extend({ key: z.string() }),
    examples: [
      { name: 'probation', request: { params: { key: 'tenure.probationDays' }, body: { value: 14 } }, response: { status: 200, body: { key: 'tenure.probationDays', before: null, after: 14 } } },
      { name: 'unknown key', request: { params: { key: 'tenure.probationDayz' }, body: { value: 1 } }, response: { status: 400, body: { success: false, error: 'invalid', message: 'unknown policy key "tenure.probationDayz"' } } },
    ],
  },
  audit: {
    summary: 'Audit records, newest first, by time, member and action',
    querystring: AuditQuery,
    response: z.object({ records: z.array(AuditRecord) }),
    examples: [{
      name: 'policy changes',
      request: { query: { action: 'policy.', limit: '5' } },
      response: {
        status: 200,
        body: {
          records: [{
            seq: 412, id: 'aud_0c4f7e21b9a83d56', occurredAt: '2026-12-07T15:00:00.000Z', actor: { type: 'member', id: 'mem_91af22c0d8e4b573', label: 'olga@example.com', tokenId: '9d2e4b7a1c0f3856' },
            action: 'policy.set', target: 'policy tenure.probationDays', params: { body: { value: 14 } }, outcome: 'allowed', rule: 'role.owner', reason: null, status: 200,
            ip: '10.0.4.9', userAgent: 'touchline-cli/1.0', before: null, after: 14, prevHash: '3f9a…', hash: '8c21…',
          }],
        },
      },
    }],
  },
  verify: {
    summary: 'Checks the audit log\'s hash chain: whole, or the first record where it breaks',
    response: z.union([
      z.object({ ok: z.literal(true), records: z.number().int(), head: z.string() }),
      z.object({ ok: z.literal(false), records: z.number().int(), seq: z.number().int(), problem: z.string() }),
    ]),
    examples: [{ name: 'whole', response: { status: 200, body: { ok: true, records: 412, head: '8c21d0e5…' } } }],
  },
  rotate: {
    summary: 'A new admin token, shown this once and kept in the data dir; the old one stops working',
    response: z.object({ adminToken: z.string(), note: z.string() }),
    examples: [{ name: 'rotated', response: { status: 200, body: { adminToken: 'tl_admin_Jq4w…', note: 'the new admin token is shown this once and kept in the data dir; the old one no longer works' } } }],
  },
  disable: {
    summary: 'Disables the admin token (an owner member with a live admin-scoped token must exist)',
    response: z.object({ disabled: z.literal(true) }),
    examples: [
      { name: 'disabled', response: { status: 200, body: { disabled: true } } },
      { name: 'no owner token', response: { status: 409, body: { success: false, error: 'conflict', message: 'no owner member has a live personal token with the admin scope: add one first …' } } },
    ],
  },
  enable: {
    summary: 'Enables the admin token again',
    response: z.object({ disabled: z.literal(false) }),
    examples: [{ name: 'enabled', response: { status: 200, body: { disabled: false } } }],
  },
} satisfies Record<string, RouteDoc>;
