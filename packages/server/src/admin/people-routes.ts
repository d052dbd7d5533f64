import type { FastifyRequest } from 'fastify';
import { ClientError } from '../http/client-error.js';
import { GrantError } from '../people/grants.js';
import { MemberError, type Member } from '../people/members.js';
import type { People } from '../people/people.js';
import { checkScopes, TokenError, type TokenInfo } from '../people/tokens.js';
import { isScope } from '../policy/actions.js';
import type { Actor } from '../policy/decide.js';
import { describePolicy, PolicyError } from '../policy/policy-settings.js';
import { actorOf, noteAudit, type AdminRoute, type RequestFacts } from './admin-route.js';
import { AuditQuery, GOVERNANCE_DOCS, GrantBody, MEMBER_DOCS, NewMemberBody, NewTokenBody, RoleBody, TOKEN_DOCS } from './people-route-docs.js';

export interface PeopleRouteDeps {
  readonly people: People;
  readonly now: () => Date;
  /** Makes a new admin token, keeps it in the data dir, and returns it (refuses when it is configured). */
  rotateAdminToken(): Promise<string>;
}

const DAY_MS = 86_400_000;
type Body = Record<string, unknown>;
const bodyOf = (r: FastifyRequest): Body => (r.body && typeof r.body === 'object' ? (r.body as Body) : {});
const param = (r: FastifyRequest, name: string): string => (r.params as Record<string, string>)[name] ?? '';
const str = (b: Body, key: string): string | undefined => (typeof b[key] === 'string' ? (b[key] as string) : undefined);
const by = (r: FastifyRequest) => { const a = actorOf(r); return a.kind === 'bootstrap' ? 'bootstrap' : a.member.id; };

/** People errors as answers: what is wrong with the request, and which field. */
async function answering<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof MemberError) throw new ClientError(err.kind === 'not_found' ? 404 : err.kind === 'conflict' ? 409 : 400, err.kind, err.message);
    if (err instanceof TokenError) throw new ClientError(err.kind === 'not_found' ? 404 : 400, err.kind, err.message);
    if (err instanceof GrantError || err instanceof PolicyError) throw new ClientError(400, 'invalid', err.message);
    throw err;
  }
}

/** The scopes a token request asks for: what the policy compares with the presenting token's. */
const tokenFacts = (r: FastifyRequest): RequestFacts => {
  const scopes = bodyOf(r)['scopes'];
  return { requestedScopes: Array.isArray(scopes) ? scopes.filter((s): s is string => typeof s === 'string').filter(isScope) : [] };
};

const memberView = (m: Member) => ({ ...m });
const describeActor = (a: Actor) =>
  a.kind === 'bootstrap' ? { kind: 'bootstrap' as const } : { kind: 'member' as const, member: a.member, token: a.token, grants: a.grants };

/** Members: who am I, the list, adding one, their role, disabling, grants. */
function memberRoutes({ people }: PeopleRouteDeps): AdminRoute[] {
  return [
    {
      method: 'GET', url: '/admin/me', action: 'me.read', doc: MEMBER_DOCS.me,
      handler: async (r) => ({ actor: describeActor(actorOf(r)), allowedActions: people.allowedActions(actorOf(r)) }),
    },
    { method: 'GET', url: '/admin/members', action: 'members.list', doc: MEMBER_DOCS.list, handler: async () => ({ members: people.members.list().map(memberView) }) },
    {
      method: 'POST', url: '/admin/members', action: 'members.add', doc: MEMBER_DOCS.add,
      handler: async (r, reply) => answering(() => {
        const b = NewMemberBody.parse(r.body);
        const m = people.members.add({ name: b.name, email: b.email, role: b.role, startDate: b.startDate, endDate: b.endDate ?? null });
        noteAudit(r, { target: `member ${m.id}`, after: m });
        reply.code(201);
        return m;
      }),
    },
    {
      method: 'POST', url: '/admin/members/:ref/role', action: 'members.set-role', doc: MEMBER_DOCS.setRole,
      handler: async (r) => answering(() => {
        const { before, after } = people.members.setRole(param(r, 'ref'), RoleBody.parse(r.body).role);
        noteAudit(r, { target: `member ${after.id}`, before, after });
        return after;
      }),
    },
    {
      method: 'POST', url: '/admin/members/:ref/disable', action: 'members.disable', doc: MEMBER_DOCS.disable,
      handler: async (r) => answering(() => {
        const { before, after } = people.members.disable(param(r, 'ref'));
        noteAudit(r, { target: `member ${after.id}`, before, after });
        return after;
      }),
    },
    {
      method: 'POST', url: '/admin/members/:ref/grants', action: 'members.grant', doc: MEMBER_DOCS.grant,
      handler: async (r, reply) => answering(() => {
        const m = people.members.get(param(r, 'ref'));
        const b = GrantBody.parse(r.body);
        const g = people.grants.add({ memberId: m.id, actions: b.actions, until: b.until, reason: b.reason, grantedBy: by(r) });
        noteAudit(r, { target: `member ${m.id}`, after: g });
        reply.code(201);
        return g;
      }),
    },
  ];
}

/** A new token for a member, from the request's body (its lifetime capped by the policy). */
function createToken(d: PeopleRouteDeps, r: FastifyRequest, memberId: string, createdBy: string) {
  const b = NewTokenBody.parse(r.body) ?? { scopes: [] };
  const p = d.people.policy().tokens;
  const days = b.days ?? p.defaultDays;
  if (days < 1 || days > p.maxDays) throw new TokenError('invalid', `days: a whole number from 1 to ${p.maxDays} (tokens.maxDays); every token expires`);
  const scopes = checkScopes(b.scopes);
  const created = d.people.tokens.create({ memberId, name: b.name ?? 'token', scopes, expiresAt: new Date(d.now().getTime() + days * DAY_MS), createdBy });
  noteAudit(r, { target: `token ${created.info.id}`, after: created.info });
  return { token: created.token, info: created.info, note: 'the token is shown this once: keep it now' };
}

/** One of the caller's own tokens; another member's token is "not found" to a member, so ids are not probed here. */
function ownToken(people: People, r: FastifyRequest, id: string): TokenInfo {
  const a = actorOf(r);
  const t = people.tokens.get(id);
  if (a.kind === 'member' && t.memberId !== a.member.id) throw new TokenError('not_found', `no token "${id.slice(0, 40)}" of yours (touchline tokens list)`);
  return t;
}

function revoke(people: People, r: FastifyRequest, t: TokenInfo) {
  const { before, after } = people.tokens.revoke(t.id, str(bodyOf(r), 'reason') ?? 'revoked');
  noteAudit(r, { target: `token ${t.id}`, before, after });
  return after;
}

/** Personal tokens: a member's (owners and admins), and the caller's own. */
function tokenRoutes(d: PeopleRouteDeps): AdminRoute[] {
  const { people } = d;
  return [
    {
      method: 'GET', url: '/admin/members/:ref/tokens', action: 'members.tokens', doc: TOKEN_DOCS.memberList,
      handler: async (r) => answering(() => ({ tokens: people.tokens.list(people.members.get(param(r, 'ref')).id) })),
    },
    {
      method: 'POST', url: '/admin/members/:ref/tokens', action: 'members.tokens', facts: tokenFacts, doc: TOKEN_DOCS.memberCreate,
      handler: async (r, reply) => answering(() => {
        const m = people.members.get(param(r, 'ref'));
        reply.code(201);
        return createToken(d, r, m.id, by(r));
      }),
    },
    {
      method: 'DELETE', url: '/admin/members/:ref/tokens/:id', action: 'members.tokens', doc: TOKEN_DOCS.memberRevoke,
      handler: async (r) => answering(() => {
        const m = people.members.get(param(r, 'ref'));
        const t = people.tokens.get(param(r, 'id'));
        if (t.memberId !== m.id) throw new TokenError('not_found', `member ${m.email} has no token "${t.id}"`);
        return revoke(people, r, t);
      }),
    },
    {
      method: 'GET', url: '/admin/tokens', action: 'tokens.list', doc: TOKEN_DOCS.list,
      handler: async (r) => { const a = actorOf(r); return { tokens: people.tokens.list(a.kind === 'member' ? a.member.id : undefined) }; },
    },
    {
      method: 'POST', url: '/admin/tokens', action: 'tokens.create', facts: tokenFacts, doc: TOKEN_DOCS.create,
      handler: async (r, reply) => answering(() => {
        const a = actorOf(r);
        if (a.kind !== 'member') throw new ClientError(400, 'bad_request', 'the admin token belongs to no member: create a member\'s token with POST /admin/members/<email>/tokens (touchline tokens create --member <email>)');
        reply.code(201);
        return createToken(d, r, a.member.id, a.member.id);
      }),
    },
    {
      method: 'DELETE', url: '/admin/tokens/:id', action: 'tokens.revoke', doc: TOKEN_DOCS.revoke,
      handler: async (r) => answering(() => revoke(people, r, ownToken(people, r, param(r, 'id')))),
    },
  ];
}

/** The policy and the audit log. */
function governanceRoutes({ people }: PeopleRouteDeps): AdminRoute[] {
  return [
    {
      method: 'GET', url: '/admin/policy', action: 'policy.read', doc: GOVERNANCE_DOCS.policy,
      handler: async () => ({ policy: describePolicy(people.policy()), overrides: people.storedOverrides() }),
    },
    {
      method: 'PUT', url: '/admin/policy/:key', action: 'policy.set', doc: GOVERNANCE_DOCS.setPolicy,
      handler: async (r) => answering(() => {
        const b = bodyOf(r);
        // `{"value": null}` is a value (a retention kept forever); only a missing key is refused.
        if (!('value' in b)) throw new ClientError(400, 'bad_request', 'send {"value": <the new value>}');
        const change = people.setPolicy(param(r, 'key'), b['value'], by(r));
        noteAudit(r, { target: `policy ${param(r, 'key')}`, ...change });
        return { key: param(r, 'key'), ...change };
      }),
    },
    {
      method: 'GET', url: '/admin/audit', action: 'audit.read', doc: GOVERNANCE_DOCS.audit,
      handler: async (r) => {
        const q = AuditQuery.parse(r.query);
        const since = q.since === undefined ? undefined : new Date(Date.parse(q.since)).toISOString();
        return { records: people.audit.query({ since, member: q.member, action: q.action, limit: q.limit === undefined ? undefined : Number(q.limit) }) };
      },
    },
    { method: 'GET', url: '/admin/audit/verify', action: 'audit.verify', doc: GOVERNANCE_DOCS.verify, handler: async () => people.audit.verify() },
  ];
}

const NO_OWNER_TOKEN =
  'no owner member has a live personal token with the admin scope: add one first (touchline members add --role owner; touchline tokens create --member <email> --scopes read,analyze,sync,admin), or nobody could manage Touchline';

/** The admin token: rotate, disable (only once an owner can act without it), enable. */
function adminTokenRoutes(d: PeopleRouteDeps): AdminRoute[] {
  const { people } = d;
  const setDisabled = (r: FastifyRequest, disabled: boolean) => {
    const before = people.adminTokenDisabled();
    people.setAdminTokenDisabled(disabled);
    noteAudit(r, { target: 'admin token', before: { disabled: before }, after: { disabled } });
    return { disabled };
  };
  return [
    {
      method: 'POST', url: '/admin/admin-token/rotate', action: 'admin-token.rotate', doc: GOVERNANCE_DOCS.rotate,
      handler: async (r) => {
        const token = await d.rotateAdminToken();
        noteAudit(r, { target: 'admin token' });
        return { adminToken: token, note: 'the new admin token is shown this once and kept in the data dir; the old one no longer works' };
      },
    },
    {
      method: 'POST', url: '/admin/admin-token/disable', action: 'admin-token.disable', doc: GOVERNANCE_DOCS.disable,
      handler: async (r) => {
        if (!people.ownerWithLiveToken()) throw new ClientError(409, 'conflict', NO_OWNER_TOKEN);
        return setDisabled(r, true);
      },
    },
    { method: 'POST', url: '/admin/admin-token/enable', action: 'admin-token.enable', doc: GOVERNANCE_DOCS.enable, handler: async (r) => setDisabled(r, false) },
  ];
}

/** The people admin routes: who am I, members, tokens, grants, the policy, the audit log, the admin token. */
export function peopleRoutes(d: PeopleRouteDeps): AdminRoute[] {
  return [...memberRoutes(d), ...tokenRoutes(d), ...governanceRoutes(d), ...adminTokenRoutes(d)];
}
