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

/**
 * The people admin routes: who am I, members, tokens, grants, the policy, the audit log, the admin
 * token. Long because it is a table: each entry is one route, its action and a short handler.
 */
export function peopleRoutes(d: PeopleRouteDeps): AdminRoute[] {
  const { people } = d;
  const createToken = (r: FastifyRequest, memberId: string, createdBy: string) => {
    const b = bodyOf(r);
    const p = people.policy().tokens;
    const days = b['days'] === undefined ? p.defaultDays : b['days'];
    if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > p.maxDays) throw new TokenError('invalid', `days: a whole number from 1 to ${p.maxDays} (tokens.maxDays); every token expires`);
    const scopes = checkScopes(Array.isArray(b['scopes']) ? (b['scopes'] as unknown[]).map(String) : []);
    const created = people.tokens.create({ memberId, name: str(b, 'name') ?? 'token', scopes, expiresAt: new Date(d.now().getTime() + days * DAY_MS), createdBy });
    noteAudit(r, { target: `token ${created.info.id}`, after: created.info });
    return { token: created.token, info: created.info, note: 'the token is shown this once: keep it now' };
  };
  const by = (r: FastifyRequest) => { const a = actorOf(r); return a.kind === 'bootstrap' ? 'bootstrap' : a.member.id; };
  const ownToken = (r: FastifyRequest, id: string): TokenInfo => {
    const a = actorOf(r);
    const t = people.tokens.get(id);
    // Another member's token is "not found" to a member: ids are not probed through this route.
    if (a.kind === 'member' && t.memberId !== a.member.id) throw new TokenError('not_found', `no token "${id.slice(0, 40)}" of yours (touchline tokens list)`);
    return t;
  };
  const revoke = (r: FastifyRequest, t: TokenInfo) => {
    const { before, after } = people.tokens.revoke(t.id, str(bodyOf(r), 'reason') ?? 'revoked');
    noteAudit(r, { target: `token ${t.id}`, before, after });
    return after;
  };
  return [
    { method: 'GET', url: '/admin/me', action: 'me.read', handler: async (r) => ({ actor: describeActor(actorOf(r)), allowedActions: people.allowedActions(actorOf(r)) }) },
    { method: 'GET', url: '/admin/members', action: 'members.list', handler: async () => ({ members: people.members.list().map(memberView) }) },
    {
      method: 'POST', url: '/admin/members', action: 'members.add',
      handler: async (r, reply) => answering(() => {
        const b = bodyOf(r);
        const m = people.members.add({ name: str(b, 'name') ?? '', email: str(b, 'email') ?? '', role: str(b, 'role') ?? '', startDate: str(b, 'startDate'), endDate: str(b, 'endDate') ?? null });
        noteAudit(r, { target: `member ${m.id}`, after: m });
        reply.code(201);
        return m;
      }),
    },
    {
      method: 'POST', url: '/admin/members/:ref/role', action: 'members.set-role',
      handler: async (r) => answering(() => {
        const { before, after } = people.members.setRole(param(r, 'ref'), str(bodyOf(r), 'role') ?? '');
        noteAudit(r, { target: `member ${after.id}`, before, after });
        return after;
      }),
    },
    {
      method: 'POST', url: '/admin/members/:ref/disable', action: 'members.disable',
      handler: async (r) => answering(() => {
        const { before, after } = people.members.disable(param(r, 'ref'));
        noteAudit(r, { target: `member ${after.id}`, before, after });
        return after;
      }),
    },
    {
      method: 'POST', url: '/admin/members/:ref/grants', action: 'members.grant',
      handler: async (r, reply) => answering(() => {
        const m = people.members.get(param(r, 'ref'));
        const b = bodyOf(r);
        const actions = Array.isArray(b['actions']) ? (b['actions'] as unknown[]).map(String) : [];
        const g = people.grants.add({ memberId: m.id, actions, until: str(b, 'until') ?? '', reason: str(b, 'reason') ?? '', grantedBy: by(r) });
        noteAudit(r, { target: `member ${m.id}`, after: g });
        reply.code(201);
        return g;
      }),
    },
    {
      method: 'GET', url: '/admin/members/:ref/tokens', action: 'members.tokens',
      handler: async (r) => answering(() => ({ tokens: people.tokens.list(people.members.get(param(r, 'ref')).id) })),
    },
    {
      method: 'POST', url: '/admin/members/:ref/tokens', action: 'members.tokens', facts: tokenFacts,
      handler: async (r, reply) => answering(() => {
        const m = people.members.get(param(r, 'ref'));
        reply.code(201);
        return createToken(r, m.id, by(r));
      }),
    },
    {
      method: 'DELETE', url: '/admin/members/:ref/tokens/:id', action: 'members.tokens',
      handler: async (r) => answering(() => {
        const m = people.members.get(param(r, 'ref'));
        const t = people.tokens.get(param(r, 'id'));
        if (t.memberId !== m.id) throw new TokenError('not_found', `member ${m.email} has no token "${t.id}"`);
        return revoke(r, t);
      }),
    },
    {
      method: 'GET', url: '/admin/tokens', action: 'tokens.list',
      handler: async (r) => { const a = actorOf(r); return { tokens: people.tokens.list(a.kind === 'member' ? a.member.id : undefined) }; },
    },
    {
      method: 'POST', url: '/admin/tokens', action: 'tokens.create', facts: tokenFacts,
      handler: async (r, reply) => answering(() => {
        const a = actorOf(r);
        if (a.kind !== 'member') throw new ClientError(400, 'bad_request', 'the admin token belongs to no member: create a member\'s token with POST /admin/members/<email>/tokens (touchline tokens create --member <email>)');
        reply.code(201);
        return createToken(r, a.member.id, a.member.id);
      }),
    },
    { method: 'DELETE', url: '/admin/tokens/:id', action: 'tokens.revoke', handler: async (r) => answering(() => revoke(r, ownToken(r, param(r, 'id')))) },
    {
      method: 'GET', url: '/admin/policy', action: 'policy.read',
      handler: async () => ({ policy: describePolicy(people.policy()), overrides: people.storedOverrides() }),
    },
    {
      method: 'PUT', url: '/admin/policy/:key', action: 'policy.set',
      handler: async (r) => answering(() => {
        const b = bodyOf(r);
        if (!('value' in b)) throw new ClientError(400, 'bad_request', 'send {"value": <the new value>}');
        const change = people.setPolicy(param(r, 'key'), b['value'], by(r));
        noteAudit(r, { target: `policy ${param(r, 'key')}`, ...change });
        return { key: param(r, 'key'), ...change };
      }),
    },
    {
      method: 'GET', url: '/admin/audit', action: 'audit.read',
      handler: async (r) => {
        const q = r.query as Record<string, string | undefined>;
        const limit = q['limit'] === undefined ? undefined : Number(q['limit']);
        if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new ClientError(400, 'bad_request', 'limit: a positive whole number');
        if (q['since'] !== undefined && Number.isNaN(Date.parse(q['since']))) throw new ClientError(400, 'bad_request', 'since: a date or time (ISO 8601)');
        const since = q['since'] === undefined ? undefined : new Date(Date.parse(q['since'])).toISOString();
        return { records: people.audit.query({ since, member: q['member'], action: q['action'], limit }) };
      },
    },
    { method: 'GET', url: '/admin/audit/verify', action: 'audit.verify', handler: async () => people.audit.verify() },
    {
      method: 'POST', url: '/admin/admin-token/rotate', action: 'admin-token.rotate',
      handler: async (r) => {
        const token = await d.rotateAdminToken();
        noteAudit(r, { target: 'admin token' });
        return { adminToken: token, note: 'the new admin token is shown this once and kept in the data dir; the old one no longer works' };
      },
    },
    {
      method: 'POST', url: '/admin/admin-token/disable', action: 'admin-token.disable',
      handler: async (r) => {
        if (!people.ownerWithLiveToken()) {
          throw new ClientError(409, 'conflict', 'no owner member has a live personal token with the admin scope: add one first (touchline members add --role owner; touchline tokens create --member <email> --scopes read,analyze,sync,admin), or nobody could manage Touchline');
        }
        const before = people.adminTokenDisabled();
        people.setAdminTokenDisabled(true);
        noteAudit(r, { target: 'admin token', before: { disabled: before }, after: { disabled: true } });
        return { disabled: true };
      },
    },
    {
      method: 'POST', url: '/admin/admin-token/enable', action: 'admin-token.enable',
      handler: async (r) => {
        const before = people.adminTokenDisabled();
        people.setAdminTokenDisabled(false);
        noteAudit(r, { target: 'admin token', before: { disabled: before }, after: { disabled: false } });
        return { disabled: false };
      },
    },
  ];
}
