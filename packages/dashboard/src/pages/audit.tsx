import { useState } from 'preact/hooks';
import { DataTable } from '../table.js';
import { useApi } from '../use-api.js';

interface AuditRecord {
  seq: number;
  occurredAt: string;
  actor: { type: string; label: string | null; tokenId: string | null };
  action: string;
  target: string | null;
  outcome: string;
  rule: string | null;
  reason: string | null;
  status: number | null;
  ip: string | null;
}

/** The audit log (admins and owners), newest first, filtered by the server (`GET /admin/audit`). */
export function AuditPage() {
  const [draft, setDraft] = useState({ since: '', member: '', action: '', limit: '200' });
  const [filters, setFilters] = useState(draft);
  const q = new URLSearchParams(Object.entries(filters).filter(([, v]) => v !== ''));
  const load = useApi<{ records: AuditRecord[] }>(`/admin/audit?${q.toString()}`);
  const field = (key: keyof typeof draft, label: string, type = 'text') => (
    <label>
      {label} <input name={key} type={type} value={draft[key]} onInput={(e) => setDraft({ ...draft, [key]: e.currentTarget.value })} />
    </label>
  );
  return (
    <div class="page">
      <h2>Audit log</h2>
      <form
        class="filters"
        data-testid="audit-filters"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters(draft);
        }}
      >
        {field('since', 'Since', 'date')}
        {field('member', 'Member (e-mail or id)')}
        {field('action', 'Action')}
        {field('limit', 'At most', 'number')}
        <button type="submit">Filter</button>
      </form>
      {load.state === 'loading' ? <p class="loading">Loading…</p> : null}
      {load.state === 'error' ? <p class="error">{load.message}</p> : null}
      {load.state === 'ok' ? (
        <DataTable
          id="audit"
          caption={`${load.data.records.length} records`}
          csvName="touchline-audit.csv"
          rows={load.data.records}
          columns={[
            { key: 'seq', label: '#', value: (r) => r.seq, numeric: true },
            { key: 'occurredAt', label: 'When', value: (r) => r.occurredAt },
            { key: 'actor', label: 'Who', value: (r) => r.actor.label ?? r.actor.type },
            { key: 'action', label: 'Action', value: (r) => r.action },
            { key: 'target', label: 'Target', value: (r) => r.target },
            { key: 'outcome', label: 'Outcome', value: (r) => r.outcome },
            { key: 'status', label: 'HTTP', value: (r) => r.status, numeric: true },
            { key: 'rule', label: 'Rule', value: (r) => r.rule },
            { key: 'ip', label: 'IP', value: (r) => r.ip },
          ]}
        />
      ) : null}
    </div>
  );
}
