import { resolve } from 'node:path';
import { auditLog, type AuditQuery, type ChainCheck } from '../../audit/audit-log.js';
import type { AuditRecord } from '../../audit/audit-record.js';
import { controlStorePath, openControlStore } from '../../control/control-store.js';
import { systemPeopleClock } from '../../people/people-clock.js';
import { offlineUse } from '../offline.js';
import { ConfigError, type Config } from '../../config/config.js';
import type { Member } from '../../people/members.js';
import type { TokenInfo } from '../../people/tokens.js';
import { storeLogin } from '../cli-credentials.js';
import { findRunningServer, type AdminClient } from '../server-handle.js';

/** The flags the people commands read. */
export interface PeopleFlags {
  readonly name?: string | undefined;
  readonly role?: string | undefined;
  readonly start?: string | undefined;
  readonly end?: string | undefined;
  readonly member?: string | undefined;
  readonly scopes?: string | undefined;
  readonly days?: string | undefined;
  readonly actions?: string | undefined;
  readonly until?: string | undefined;
  readonly reason?: string | undefined;
  readonly since?: string | undefined;
  readonly action?: string | undefined;
  readonly limit?: string | undefined;
  readonly token?: string | undefined;
  readonly json: boolean;
}

type Out = (s: string) => void;
const enc = encodeURIComponent;
const list = (s: string | undefined) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);

/** Members, tokens, policy and the audit log live in the running server's control store. */
async function server(config: Config, env?: Readonly<Record<string, string | undefined>>): Promise<AdminClient> {
  const s = await findRunningServer(config, env);
  if (!s) throw new ConfigError('no Touchline server runs on this data dir: members, tokens, policy and the audit log are served by it (touchline start)');
  return s;
}

const memberLine = (m: Member) =>
  `${m.email.padEnd(32)} ${m.role.padEnd(9)} ${m.startDate}${m.endDate ? ` → ${m.endDate}` : ''}${m.disabledAt ? `  DISABLED ${m.disabledAt}` : ''}  ${m.name}`;
const tokenLine = (t: TokenInfo) =>
  `${t.id}  ${t.name.padEnd(16)} ${t.scopes.join(',').padEnd(28)} expires ${t.expiresAt.slice(0, 10)}  ${t.revokedAt ? `REVOKED ${t.revokedAt}` : `last used ${t.lastUsedAt ?? 'never'}${t.lastUsedIp ? ` from ${t.lastUsedIp}` : ''}`}`;

/** `touchline members list | add <email> --name --role [--start] [--end] | set-role <member> <role> | disable <member> | grant <member> --actions --until --reason`. */
export async function membersCommand(config: Config, args: string[], f: PeopleFlags, out: Out): Promise<void> {
  const [verb = 'list', ref, role] = args;
  const s = await server(config);
  const show = (m: Member) => out(f.json ? JSON.stringify(m, null, 2) : memberLine(m));
  switch (verb) {
    case 'list': {
      const { members } = await s.call<{ members: Member[] }>('GET', '/admin/members');
      if (f.json) return out(JSON.stringify(members, null, 2));
      return members.forEach((m) => out(memberLine(m)));
    }
    case 'add':
      if (!ref || !f.role) throw new ConfigError('usage: touchline members add <email> --name "<name>" --role viewer|analyst|marketer|admin|owner [--start YYYY-MM-DD] [--end YYYY-MM-DD]');
      return show(await s.call<Member>('POST', '/admin/members', { email: ref, name: f.name ?? ref, role: f.role, startDate: f.start, endDate: f.end }));
    case 'set-role':
      if (!ref || !role) throw new ConfigError('usage: touchline members set-role <email> <role>');
      return show(await s.call<Member>('POST', `/admin/members/${enc(ref)}/role`, { role }));
    case 'disable':
      if (!ref) throw new ConfigError('usage: touchline members disable <email>');
      return show(await s.call<Member>('POST', `/admin/members/${enc(ref)}/disable`, {}));
    case 'grant': {
      if (!ref || !f.actions || !f.until || !f.reason) throw new ConfigError('usage: touchline members grant <email> --actions syncs.run[,…] --until YYYY-MM-DD --reason "<why>"');
      const g = await s.call<{ id: string; until: string; actions: string[] }>('POST', `/admin/members/${enc(ref)}/grants`, { actions: list(f.actions), until: f.until, reason: f.reason });
      return out(f.json ? JSON.stringify(g, null, 2) : `granted ${g.actions.join(', ')} to ${ref} until ${g.until} (${g.id}, on the audit log)`);
    }
    default:
      throw new ConfigError(`unknown members command "${verb}" (list, add, set-role, disable, grant)`);
  }
}

/** `touchline tokens create [--member <email>] [--name] [--scopes] [--days] | list [--member] | revoke <id> [--member]`. */
export async function tokensCommand(config: Config, args: string[], f: PeopleFlags, out: Out): Promise<void> {
  const [verb = 'list', id] = args;
  const s = await server(config);
  const base = f.member ? `/admin/members/${enc(f.member)}/tokens` : '/admin/tokens';
  switch (verb) {
    case 'list': {
      const { tokens } = await s.call<{ tokens: TokenInfo[] }>('GET', base);
      if (f.json) return out(JSON.stringify(tokens, null, 2));
      return tokens.forEach((t) => out(tokenLine(t)));
    }
    case 'create': {
      const scopes = f.scopes ? list(f.scopes) : ['read'];
      const body = { name: f.name ?? 'cli', scopes, ...(f.days === undefined ? {} : { days: Number(f.days) }) };
      const r = await s.call<{ token: string; info: TokenInfo }>('POST', base, body);
      if (f.json) return out(JSON.stringify(r, null, 2));
      out(r.token);
      out(`  ${tokenLine(r.info)}`);
      return out('  shown this once: keep it in a password manager, or `touchline login` with it');
    }
    case 'revoke':
      if (!id) throw new ConfigError('usage: touchline tokens revoke <token id> [--member <email>] [--reason "<why>"]');
      return out(tokenLine(await s.call<TokenInfo>('DELETE', `${base}/${enc(id)}`, f.reason ? { reason: f.reason } : undefined)));
    default:
      throw new ConfigError(`unknown tokens command "${verb}" (create, list, revoke)`);
  }
}

/** `touchline policy show | set <key> <JSON value>`. */
export async function policyCommand(config: Config, args: string[], _f: PeopleFlags, out: Out): Promise<void> {
  const [verb = 'show', key, ...rest] = args;
  const s = await server(config);
  if (verb === 'show') return out(JSON.stringify(await s.call('GET', '/admin/policy'), null, 2));
  if (verb !== 'set') throw new ConfigError(`unknown policy command "${verb}" (show, set)`);
  if (!key || rest.length === 0) throw new ConfigError('usage: touchline policy set <key> <JSON value>   e.g. touchline policy set tenure.probationDays 14');
  let value: unknown;
  try {
    value = JSON.parse(rest.join(' '));
  } catch {
    value = rest.join(' '); // a bare word: a string
  }
  const r = await s.call<{ before: unknown; after: unknown }>('PUT', `/admin/policy/${enc(key)}`, { value });
  out(`${key}: ${JSON.stringify(r.before)} → ${JSON.stringify(r.after)} (on the audit log)`);
}

/**
 * The audit log where it is: through the running server, else (offline mode: the data dir's
 * owner only, audited at the next start) from control.sqlite opened read-only.
 */
async function auditSource(config: Config): Promise<{ verify(): Promise<ChainCheck>; query(q: AuditQuery): Promise<AuditRecord[]> }> {
  const s = await findRunningServer(config);
  if (s) {
    return {
      verify: () => s.call<ChainCheck>('GET', '/admin/audit/verify'),
      query: async (q) => {
        const p = new URLSearchParams();
        for (const [k, v] of Object.entries(q)) if (v !== undefined) p.set(k, String(v));
        return (await s.call<{ records: AuditRecord[] }>('GET', `/admin/audit${p.size ? `?${p}` : ''}`)).records;
      },
    };
  }
  const read = async <T>(what: string, params: unknown, fn: (log: ReturnType<typeof auditLog>) => T): Promise<T> => {
    await offlineUse(config, what, params);
    const store = openControlStore(controlStorePath(resolve(config.dataDir)), { readOnly: true });
    try {
      return fn(auditLog(store.db, systemPeopleClock()));
    } finally {
      store.close();
    }
  };
  return {
    verify: () => read('audit.verify', null, (log) => log.verify()),
    query: (q) => read('audit.read', q, (log) => log.query(q)),
  };
}

/** `touchline audit [--since] [--member] [--action] [--limit] [--json] | audit verify`. */
export async function auditCommand(config: Config, args: string[], f: PeopleFlags, format: string, out: Out): Promise<number> {
  const s = await auditSource(config);
  if (args[0] === 'verify') {
    const r = await s.verify();
    out(r.ok ? `the audit chain is whole: ${r.records} records, head ${r.head}` : `the audit chain is BROKEN at record ${r.seq}: ${r.problem}`);
    return r.ok ? 0 : 2;
  }
  if (args.length > 0) throw new ConfigError(`unknown audit command "${args[0]}" (verify, or none to list)`);
  const limit = f.limit === undefined ? undefined : Number(f.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new ConfigError(`--limit must be a positive whole number (got ${f.limit})`);
  if (f.since !== undefined && Number.isNaN(Date.parse(f.since))) throw new ConfigError(`--since must be a date or time, YYYY-MM-DD or ISO 8601 (got ${f.since})`);
  const since = f.since === undefined ? undefined : new Date(Date.parse(f.since)).toISOString();
  const records = await s.query({ since, member: f.member, action: f.action, limit });
  if (format === 'json' || f.json) {
    out(JSON.stringify(records, null, 2));
    return 0;
  }
  for (const r of records) {
    out(`${r.occurredAt}  ${r.outcome.padEnd(7)} ${r.action.padEnd(22)} ${(r.actor.label ?? r.actor.type).padEnd(28)} ${r.rule ?? ''}${r.target ? `  ${r.target}` : ''}${r.ip ? `  from ${r.ip}` : ''}`);
  }
  return 0;
}

/** `touchline admin-token rotate | disable | enable`. */
export async function adminTokenCommand(config: Config, args: string[], out: Out): Promise<void> {
  const [verb] = args;
  const s = await server(config);
  if (verb === 'rotate') {
    const r = await s.call<{ adminToken: string }>('POST', '/admin/admin-token/rotate', {});
    return out(`${r.adminToken}\n  the new admin token, shown this once (kept in the data dir); the old one no longer works`);
  }
  if (verb === 'disable' || verb === 'enable') {
    await s.call('POST', `/admin/admin-token/${verb}`, {});
    return out(verb === 'disable' ? 'the admin token is disabled: owners sign in with personal tokens' : 'the admin token works again');
  }
  throw new ConfigError('usage: touchline admin-token rotate | disable | enable');
}

/** `touchline login [--token <t>]` (else the first line of stdin): checks it with the server, then keeps it 0600. */
export async function loginCommand(config: Config, args: string[], f: PeopleFlags, readStdin: () => Promise<string>, out: Out, env: Readonly<Record<string, string | undefined>> = process.env): Promise<void> {
  if (args[0] === 'out' || args[0] === '--out') throw new ConfigError('use `touchline logout`');
  const token = (f.token ?? (await readStdin()).split('\n')[0] ?? '').trim();
  if (!token) throw new ConfigError('usage: touchline login --token tl_pat_…   (or pipe the token on stdin)');
  const s = await server(config, { ...env, TOUCHLINE_TOKEN: token });
  const me = await s.call<{ actor: { kind: string; member?: Member } }>('GET', '/admin/me');
  const file = storeLogin(env, s.url, token);
  out(`signed in to ${s.url} as ${me.actor.member ? `${me.actor.member.email} (${me.actor.member.role})` : 'the admin token'}; the token is kept in ${file} (0600)`);
}

export async function logoutCommand(config: Config, out: Out, env: Readonly<Record<string, string | undefined>> = process.env): Promise<void> {
  const s = await server(config, env);
  out(`forgot the token for ${s.url} in ${storeLogin(env, s.url, null)}`);
}
