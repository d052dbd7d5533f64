import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { fmtInt } from '../format.js';
import { DataTable } from '../table.js';
import type { Me } from '../types.js';
import { useApi } from '../use-api.js';
import { ApprovalsPanel } from './approvals.js';

type Row = Record<string, unknown>;
interface Sync {
  name: string;
  destination: string;
  type: string;
  mode: string;
  schedule: string;
  rows: number;
  lastRun: { runId: string; status: string; finishedAt: string | null } | null;
}
interface Run {
  runId: string;
  status: string;
  trigger: string;
  startedAt: string;
  finishedAt: string | null;
  plannedAdd: number;
  plannedChange: number;
  plannedRemove: number;
  delivered: number;
  rejected: number;
  failed: number;
  error: string | null;
}
interface DryRun {
  counts: { add: number; change: number; remove: number };
  guard: string | null;
  rows: { pk: string; op: string; changed: string[]; refused: { code: string; reason: string } | null }[];
}

/** A run that waits for a person or half-failed stands out from the rest (styles.css `.status-*`). */
const statusBadge = (status: string | null | undefined): string => (status === 'awaiting_approval' || status === 'partially_failed' ? `badge status-${status}` : '');

const col = (key: string, label: string, numeric = false) => ({ key, label, numeric, value: (r: Row) => (r[key] === null || r[key] === undefined ? null : (r[key] as string | number)) });

function RowResults(props: { sync: string; run: string }) {
  const load = useApi<{ rows: Row[]; truncated: boolean }>(`/admin/dashboard/sync-results?sync=${encodeURIComponent(props.sync)}&run=${encodeURIComponent(props.run)}`);
  if (load.state !== 'ok') return load.state === 'error' ? <p class="error">{load.message}</p> : <p class="loading">Loading…</p>;
  return (
    <DataTable
      id="row-results"
      caption={`Row results of run ${props.run}`}
      csvName={`touchline-${props.sync}-${props.run}.csv`}
      note={load.data.truncated ? 'The first 500 results, refused rows first.' : undefined}
      rows={load.data.rows}
      columns={[col('pk', 'Key'), col('op', 'Operation'), col('attempt', 'Attempt', true), col('status', 'Status'), col('code', 'Code'), col('reason', 'Reason'), col('http_status', 'HTTP', true)]}
    />
  );
}

function SyncDetail(props: { sync: string; can: (a: string) => boolean }) {
  const runs = useApi<{ runs: Run[] }>(`/admin/syncs/${encodeURIComponent(props.sync)}/runs?limit=20`);
  const [run, setRun] = useState('');
  const [dry, setDry] = useState<DryRun | string | null>(null);
  const dryRun = () => {
    setDry('running');
    api<DryRun>(`/admin/syncs/${encodeURIComponent(props.sync)}/dry-run`, { method: 'POST', body: { limit: 50 } }).then(setDry, (e: Error) => setDry(`error: ${e.message}`));
  };
  return (
    <div>
      {props.can('syncs.dry-run') ? (
        <button type="button" data-testid="dry-run" onClick={dryRun}>
          Dry run {props.sync}
        </button>
      ) : null}
      {typeof dry === 'string' ? <p class={dry.startsWith('error') ? 'error' : 'loading'}>{dry}</p> : null}
      {dry && typeof dry === 'object' ? (
        <DataTable
          id="dry-run-diff"
          caption={`Dry run: ${fmtInt(dry.counts.add)} to add, ${fmtInt(dry.counts.change)} to change, ${fmtInt(dry.counts.remove)} to remove`}
          csvName={`touchline-${props.sync}-dry-run.csv`}
          note={dry.guard ?? undefined}
          rows={dry.rows}
          columns={[
            { key: 'pk', label: 'Key', value: (r) => r.pk },
            { key: 'op', label: 'Operation', value: (r) => r.op },
            { key: 'changed', label: 'Changed', value: (r) => r.changed.join(', ') },
            { key: 'refused', label: 'Would be refused', value: (r) => (r.refused ? `${r.refused.code}: ${r.refused.reason}` : '') },
          ]}
        />
      ) : null}
      {runs.state === 'ok' ? (
        <>
          <DataTable
            id="runs"
            caption={`Runs of ${props.sync}`}
            csvName={`touchline-${props.sync}-runs.csv`}
            rows={runs.data.runs as unknown as Row[]}
            columns={[col('runId', 'Run'), { ...col('status', 'Status'), cellClass: (r: Row) => statusBadge(r['status'] as string) }, col('trigger', 'Trigger'), col('startedAt', 'Started'), col('delivered', 'Delivered', true), col('rejected', 'Rejected', true), col('failed', 'Failed', true), col('error', 'Error')]}
          />
          {runs.data.runs.length > 0 ? (
            <label class="pick">
              Row results of run{' '}
              <select name="run" value={run} onChange={(e) => setRun(e.currentTarget.value)}>
                <option value="">choose a run</option>
                {runs.data.runs.map((r) => (
                  <option key={r.runId} value={r.runId}>
                    {r.runId} ({r.status}, {r.startedAt})
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          {run ? <RowResults key={run} sync={props.sync} run={run} /> : null}
        </>
      ) : null}
    </div>
  );
}

export function ActivationPage(props: { can: (action: string) => boolean; me: Me }) {
  const load = useApi<{ syncs: Sync[] }>('/admin/syncs');
  const [sync, setSync] = useState('');
  return (
    <div class="page">
      <h2>Activation</h2>
      {load.state === 'loading' ? <p class="loading">Loading…</p> : null}
      {load.state === 'error' ? <p class="error">{load.message}</p> : null}
      {load.state === 'ok' && load.data.syncs.length === 0 ? <p class="empty">No syncs are configured. Add one under <code>syncs</code> in the config (docs/activation.md).</p> : null}
      {load.state === 'ok' && load.data.syncs.length > 0 ? (
        <>
          <DataTable
            id="syncs"
            caption="Syncs"
            csvName="touchline-syncs.csv"
            rows={load.data.syncs}
            columns={[
              { key: 'name', label: 'Sync', value: (s) => s.name },
              { key: 'destination', label: 'Destination', value: (s) => `${s.destination} (${s.type})` },
              { key: 'mode', label: 'Mode', value: (s) => s.mode },
              { key: 'schedule', label: 'Schedule', value: (s) => s.schedule },
              { key: 'rows', label: 'Rows kept', value: (s) => s.rows, numeric: true },
              { key: 'status', label: 'Last run', value: (s) => s.lastRun?.status ?? null, cellClass: (s) => statusBadge(s.lastRun?.status) },
            ]}
          />
          {props.can('syncs.read') ? (
            <label class="pick">
              Sync{' '}
              <select name="sync" value={sync} onChange={(e) => setSync(e.currentTarget.value)}>
                <option value="">choose a sync</option>
                {load.data.syncs.map((s) => (
                  <option key={s.name} value={s.name}>
                    {s.name}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          {sync ? <SyncDetail key={sync} sync={sync} can={props.can} /> : null}
        </>
      ) : null}
      {props.me.actions.includes('approvals.list') ? <ApprovalsPanel me={props.me} /> : null}
    </div>
  );
}
