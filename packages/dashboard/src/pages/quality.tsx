import { rangeQuery } from '../api.js';
import { fmtInt } from '../format.js';
import { DataTable } from '../table.js';
import type { QualityAnswer } from '../types.js';
import { useApi } from '../use-api.js';
import { LinkBuilder, UtmReport } from './link-builder.js';
import { PlanViolations } from './plan-violations.js';

export function QualityPage(props: { range: { since: string; until: string }; can: (action: string) => boolean }) {
  const load = useApi<QualityAnswer>(`/admin/dashboard/quality${rangeQuery(props.range)}`);
  if (load.state === 'loading') return <p class="loading">Loading…</p>;
  if (load.state === 'error') return <p class="error">{load.message}</p>;
  const q = load.data;
  return (
    <div class="page">
      <h2>Data quality</h2>
      <p>
        <strong data-testid="quality-total">{fmtInt(q.total)}</strong> events were refused in this range. Each was kept in <code>failed_events</code> with the reason; the good events of
        the same batch were loaded.
      </p>
      <DataTable
        id="failures"
        caption="Failed events by reason"
        csvName="touchline-failed-events.csv"
        rows={q.groups}
        columns={[
          { key: 'reason', label: 'Reason', value: (g) => g.reason },
          { key: 'field', label: 'Field', value: (g) => g.field },
          { key: 'endpoint', label: 'Endpoint', value: (g) => g.endpoint },
          { key: 'count', label: 'Events', value: (g) => g.count, show: (g) => fmtInt(g.count), numeric: true },
          { key: 'last', label: 'Latest', value: (g) => g.lastAt },
          { key: 'example', label: 'Latest example (as received)', value: (g) => g.example },
        ]}
      />
      {props.can('plans.read') ? <PlanViolations range={props.range} canReplay={props.can('plans.replay')} /> : null}
      <UtmReport />
      <LinkBuilder />
    </div>
  );
}
