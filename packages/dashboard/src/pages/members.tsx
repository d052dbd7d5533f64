import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { DataTable } from '../table.js';
import { useApi } from '../use-api.js';

interface Member {
  id: string;
  name: string;
  email: string;
  role: string;
  startDate: string;
  endDate: string | null;
  disabledAt: string | null;
}
interface Token {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/** The roles and scopes the policy knows (src/policy/actions.ts): what the forms offer; the server checks anyway. */
const ROLES = ['viewer', 'analyst', 'marketer', 'admin', 'owner'];
const SCOPES = ['read', 'analyze', 'sync', 'admin', 'metrics'];

/** Runs one change, then reloads the page's data; the server's refusal is shown as it worded it. */
function useChange(reload: () => void): [string, (fn: () => Promise<unknown>, done?: string) => void] {
  const [message, setMessage] = useState('');
  const run = (fn: () => Promise<unknown>, done = '') =>
    void fn().then(
      () => {
        setMessage(done);
        reload();
      },
      (e: Error) => setMessage(`error: ${e.message}`),
    );
  return [message, run];
}

type Run = (fn: () => Promise<unknown>, done?: string) => void;

function Tokens(props: { member: Member; can: (a: string) => boolean }) {
  const [version, setVersion] = useState(0);
  const ref = encodeURIComponent(props.member.email);
  const load = useApi<{ tokens: Token[] }>(`/admin/members/${ref}/tokens?v=${version}`);
  const [created, setCreated] = useState('');
  const [message, run] = useChange(() => setVersion((v) => v + 1));
  const create = (scopes: string[], days: number) =>
    run(async () => {
      const r = await api<{ token: string }>(`/admin/members/${ref}/tokens`, { method: 'POST', body: { name: 'dashboard', scopes, days } });
      setCreated(r.token);
    });
  const manage = props.can('members.tokens');
  return (
    <section class="card" data-testid="member-tokens">
      <h3>Tokens of {props.member.email}</h3>
      {load.state === 'error' ? <p class="error">{load.message}</p> : null}
      {load.state === 'ok' ? <TokenTable tokens={load.data.tokens} /> : null}
      {load.state === 'ok' && manage ? <RevokeButtons tokens={load.data.tokens} memberRef={ref} run={run} /> : null}
      {manage ? <TokenForm onCreate={create} /> : null}
      {created ? (
        <p class="empty" data-testid="new-token">
          New token, shown this once: <code>{created}</code>
        </p>
      ) : null}
      {message ? <p class={message.startsWith('error') ? 'error' : 'note'}>{message}</p> : null}
    </section>
  );
}

function TokenTable({ tokens }: { tokens: Token[] }) {
  return (
    <DataTable
      id="tokens"
      caption={`${tokens.length} token${tokens.length === 1 ? '' : 's'}`}
      csvName="touchline-tokens.csv"
      rows={tokens}
      columns={[
        { key: 'id', label: 'Token id', value: (t) => t.id },
        { key: 'name', label: 'Name', value: (t) => t.name },
        { key: 'scopes', label: 'Scopes', value: (t) => t.scopes.join(', ') },
        { key: 'expiresAt', label: 'Expires', value: (t) => t.expiresAt },
        { key: 'lastUsedAt', label: 'Last used', value: (t) => t.lastUsedAt },
        { key: 'revokedAt', label: 'Revoked', value: (t) => t.revokedAt },
      ]}
    />
  );
}

/** One button per token not yet revoked. */
function RevokeButtons(props: { tokens: Token[]; memberRef: string; run: Run }) {
  const revoke = (t: Token) =>
    props.run(() => api(`/admin/members/${props.memberRef}/tokens/${encodeURIComponent(t.id)}`, { method: 'DELETE', body: { reason: 'revoked in the dashboard' } }), `token ${t.id} revoked`);
  return (
    <>
      {props.tokens
        .filter((t) => t.revokedAt === null)
        .map((t) => (
          <button key={t.id} type="button" class="secondary" data-testid={`revoke-${t.id}`} onClick={() => revoke(t)}>
            Revoke {t.id}
          </button>
        ))}
    </>
  );
}

/** A new token's scopes and lifetime in days. */
function TokenForm(props: { onCreate: (scopes: string[], days: number) => void }) {
  const [scopes, setScopes] = useState<string[]>(['read']);
  const [days, setDays] = useState('30');
  const submit = (e: Event) => {
    e.preventDefault();
    props.onCreate(scopes, Number(days));
  };
  return (
    <form class="filters" data-testid="token-form" onSubmit={submit}>
      {SCOPES.map((s) => (
        <label key={s} class="check">
          <input type="checkbox" name={`scope-${s}`} checked={scopes.includes(s)} onChange={(e) => setScopes(e.currentTarget.checked ? [...scopes, s] : scopes.filter((x) => x !== s))} /> {s}
        </label>
      ))}
      <label>
        Days <input type="number" name="days" min="1" value={days} onInput={(e) => setDays(e.currentTarget.value)} />
      </label>
      <button type="submit">Create token</button>
    </form>
  );
}

function AddMember(props: { run: Run }) {
  const [form, setForm] = useState({ name: '', email: '', role: 'viewer' });
  const submit = (e: Event) => {
    e.preventDefault();
    props.run(() => api('/admin/members', { method: 'POST', body: form }), `${form.email} added as ${form.role}`);
  };
  return (
    <form class="filters" data-testid="add-member" onSubmit={submit}>
      <label>
        Name <input name="name" required value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} />
      </label>
      <label>
        E-mail <input name="email" type="email" required value={form.email} onInput={(e) => setForm({ ...form, email: e.currentTarget.value })} />
      </label>
      <label>
        Role
        <select name="role" value={form.role} onChange={(e) => setForm({ ...form, role: e.currentTarget.value })}>
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </label>
      <button type="submit">Add member</button>
    </form>
  );
}

/** Members (admins and owners): list, add, set a role, disable, and each member's tokens. */
export function MembersPage(props: { can: (action: string) => boolean }) {
  const [version, setVersion] = useState(0);
  const load = useApi<{ members: Member[] }>(`/admin/members?v=${version}`);
  const [message, run] = useChange(() => setVersion((v) => v + 1));
  const [picked, setPicked] = useState('');
  const [role, setRole] = useState('viewer');
  const members = load.state === 'ok' ? load.data.members : [];
  const member = members.find((m) => m.email === picked);
  return (
    <div class="page">
      <h2>Members</h2>
      {load.state === 'error' ? <p class="error">{load.message}</p> : null}
      {props.can('members.add') ? <AddMember run={run} /> : null}
      {message ? (
        <p class={message.startsWith('error') ? 'error' : 'note'} role="status">
          {message}
        </p>
      ) : null}
      <MemberTable members={members} />
      <label class="pick">
        Member{' '}
        <select name="member" value={picked} onChange={(e) => setPicked(e.currentTarget.value)}>
          <option value="">choose a member</option>
          {members.map((m) => (
            <option key={m.id} value={m.email}>
              {m.email}
            </option>
          ))}
        </select>
      </label>
      {member && props.can('members.set-role') ? <MemberActions member={member} can={props.can} role={role} setRole={setRole} run={run} /> : null}
      {member && props.can('members.tokens') ? <Tokens key={`${member.id}-${version}`} member={member} can={props.can} /> : null}
    </div>
  );
}

function MemberTable({ members }: { members: Member[] }) {
  return (
    <DataTable
      id="members"
      caption={`${members.length} member${members.length === 1 ? '' : 's'}`}
      csvName="touchline-members.csv"
      rows={members}
      columns={[
        { key: 'name', label: 'Name', value: (m) => m.name },
        { key: 'email', label: 'E-mail', value: (m) => m.email },
        { key: 'role', label: 'Role', value: (m) => m.role },
        { key: 'startDate', label: 'Started', value: (m) => m.startDate },
        { key: 'endDate', label: 'Last day', value: (m) => m.endDate },
        { key: 'disabledAt', label: 'Disabled', value: (m) => m.disabledAt },
      ]}
    />
  );
}

/**
 * Setting the picked member's role, and disabling them. The chosen role is the page's state, so it
 * stays while another member is picked.
 */
function MemberActions(props: { member: Member; can: (action: string) => boolean; role: string; setRole: (r: string) => void; run: Run }) {
  const { member, role, run } = props;
  const ref = encodeURIComponent(member.email);
  return (
    <div class="filters" data-testid="member-actions">
      <label>
        New role
        <select name="new-role" value={role} onChange={(e) => props.setRole(e.currentTarget.value)}>
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </label>
      <button type="button" data-testid="set-role" onClick={() => run(() => api(`/admin/members/${ref}/role`, { method: 'POST', body: { role } }), `${member.email} is now ${role}`)}>
        Set role
      </button>
      {props.can('members.disable') && member.disabledAt === null ? (
        <button type="button" class="secondary" data-testid="disable" onClick={() => run(() => api(`/admin/members/${ref}/disable`, { method: 'POST', body: {} }), `${member.email} disabled`)}>
          Disable {member.email}
        </button>
      ) : null}
    </div>
  );
}
