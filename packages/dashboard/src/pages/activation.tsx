import { DataTable } from '../table.js';
import { useApi } from '../use-api.js';

interface SyncsAnswer {
  syncs: { name: string; destination?: string; schedule?: string | null; lastRun?: { status?: string; finishedAt?: string | null } | null }[];
}

export function ActivationPage(props: { can: (action: string) => boolean }) {
  const load = useApi<SyncsAnswer>('/admin/syncs');
  return (
    <div class="page">
      <h2>Activation</h2>
      {load.state === 'loading' ? <p class="loading">Loading…</p> : null}
      {load.state === 'error' ? <p class="error">{load.message}</p> : null}
      {load.state === 'ok' ? (
        load.data.syncs.length === 0 ? (
          <p class="empty">No syncs are configured. Add one under <code>syncs</code> in the config (docs/activation.md).</p>
        ) : (
          <DataTable
            id="syncs"
            caption="Syncs"
            csvName="touchline-syncs.csv"
            rows={load.data.syncs}
            columns={[
              { key: 'name', label: 'Sync', value: (s) => s.name },
              { key: 'destination', label: 'Destination', value: (s) => s.destination ?? null },
              { key: 'schedule', label: 'Schedule', value: (s) => s.schedule ?? null },
              { key: 'status', label: 'Last run', value: (s) => s.lastRun?.status ?? null },
            ]}
          />
        )
      ) : null}
      <section class="card placeholder">
        <h3>Approvals</h3>
        <p>Runs that wait for a second member’s approval will be listed here once members and roles are in place.</p>
      </section>
      {props.can('syncs.run') ? null : <p class="note">Your role may look at syncs but not run them.</p>}
    </div>
  );
}
