import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { fmtInt } from '../format.js';
import type { Me } from '../types.js';
import { useApi } from '../use-api.js';

interface Party {
  type: 'member' | 'bootstrap' | 'system';
  label: string;
}
interface Approval {
  id: string;
  status: string;
  sync: string;
  destination: string;
  type: string;
  requester: Party;
  rows: number;
  counts: { add: number; change: number; remove: number };
  triggers: { rule: string; reason: string }[];
  expiresAt: string;
  runId: string | null;
}
interface Detail {
  approval: Approval & { report: { rows?: { pk: string; op: string; request?: unknown }[] } };
}

/**
 * Whether the signed-in person asked for this send. The server refuses such a decision anyway
 * (approvals.same-person); the page says so before the click instead of after it.
 */
export function isOwnRequest(a: Approval, me: Me): boolean {
  if (a.requester.type === 'bootstrap') return me.actor.kind === 'bootstrap';
  return a.requester.type === 'member' && me.actor.kind === 'member' && a.requester.label === me.actor.email;
}

/** The dry run stored with the request: the first rows and the exact requests they make (credentials masked). */
function ExactRequests(props: { id: string }) {
  const load = useApi<Detail>(`/admin/approvals/${encodeURIComponent(props.id)}`);
  if (load.state !== 'ok') return load.state === 'error' ? <p class="error">{load.message}</p> : <p class="loading">Loading…</p>;
  return <pre data-testid={`approval-report-${props.id}`}>{JSON.stringify(load.data.approval.report, null, 2)}</pre>;
}

function Decide(props: { a: Approval; onDone: (message: string) => void }) {
  const [reason, setReason] = useState('');
  const call = (verb: 'approve' | 'reject') =>
    api<{ approval: Approval }>(`/admin/approvals/${encodeURIComponent(props.a.id)}/${verb}`, { method: 'POST', body: verb === 'reject' ? { reason } : {} }).then(
      (r) => props.onDone(`${r.approval.id}: ${r.approval.status}`),
      (e: Error) => props.onDone(`error: ${e.message}`),
    );
  return (
    <div class="decide">
      <button type="button" data-testid={`approve-${props.a.id}`} onClick={() => void call('approve')}>
        Approve
      </button>
      <input name="reason" placeholder="Why (required to reject)" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
      <button type="button" class="secondary" data-testid={`reject-${props.a.id}`} disabled={reason.trim() === ''} onClick={() => void call('reject')}>
        Reject
      </button>
    </div>
  );
}

function ApprovalCard(props: { a: Approval; me: Me; onDone: (message: string) => void }) {
  const { a, me } = props;
  const [open, setOpen] = useState(false);
  const own = isOwnRequest(a, me);
  return (
    <li class="card" data-testid={`approval-${a.id}`}>
      <p>
        <strong>{a.sync}</strong> to {a.destination} ({a.type}): {fmtInt(a.rows)} rows ({fmtInt(a.counts.add)} to add, {fmtInt(a.counts.change)} to change, {fmtInt(a.counts.remove)} to remove).
        Asked by <span data-col="requester">{a.requester.label}</span>; expires {a.expiresAt}.
      </p>
      <ul>
        {a.triggers.map((t) => (
          <li key={t.rule}>
            <code>{t.rule}</code>: {t.reason}
          </li>
        ))}
      </ul>
      <button type="button" class="secondary" onClick={() => setOpen(!open)}>
        {open ? 'Hide' : 'Show'} the exact requests
      </button>
      {open ? <ExactRequests id={a.id} /> : null}
      {own ? <p class="note" data-testid={`own-${a.id}`}>You asked for this send, so a second member must approve it (rule approvals.same-person).</p> : null}
      {!own && me.actions.includes('approvals.decide') ? <Decide a={a} onDone={props.onDone} /> : null}
    </li>
  );
}

function PendingList(props: { me: Me; onDone: (message: string) => void }) {
  const load = useApi<{ approvals: Approval[] }>('/admin/approvals?status=pending');
  return (
    <>
      {load.state === 'error' ? <p class="error">{load.message}</p> : null}
      {load.state === 'ok' && load.data.approvals.length === 0 ? <p class="empty">No send is waiting for approval.</p> : null}
      {load.state === 'ok' ? (
        <ul class="approvals">
          {load.data.approvals.map((a) => (
            <ApprovalCard key={a.id} a={a} me={props.me} onDone={props.onDone} />
          ))}
        </ul>
      ) : null}
    </>
  );
}

/** Sends waiting for a second member, with the buttons the policy lets this person use; reloaded after each decision. */
export function ApprovalsPanel(props: { me: Me }) {
  const [done, setDone] = useState({ n: 0, message: '' });
  const onDone = (message: string) => setDone({ n: done.n + 1, message });
  return (
    <section class="card" data-testid="approvals">
      <h3>Approvals waiting</h3>
      {done.message ? <p class={done.message.startsWith('error') ? 'error' : 'note'} data-testid="approval-message">{done.message}</p> : null}
      <PendingList key={done.n} me={props.me} onDone={onDone} />
    </section>
  );
}
