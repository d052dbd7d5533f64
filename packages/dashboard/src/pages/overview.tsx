import { useMemo } from 'preact/hooks';
import { rangeQuery } from '../api.js';
import { TimeChart } from '../charts/time-chart.js';
import { fmtDec, fmtInt, fmtPct } from '../format.js';
import { DataTable } from '../table.js';
import { useApi, type Load } from '../use-api.js';
import type { Overview } from '../types.js';

function Tile(props: { label: string; value: string; id: string; hint?: string }) {
  return (
    <div class="tile" data-testid={props.id}>
      <span class="tile-label">{props.label}</span>
      <strong class="tile-value">{props.value}</strong>
      {props.hint ? <span class="tile-hint">{props.hint}</span> : null}
    </div>
  );
}

function Share(props: { label: string; part: number; whole: number; id: string; of: string }) {
  return <Tile id={props.id} label={props.label} value={fmtPct(props.part, props.whole)} hint={`${fmtInt(props.part)} of ${fmtInt(props.whole)} ${props.of}`} />;
}

/** The day axis and the two charts' series, computed once per answer. */
function useOverviewSeries(load: Load<Overview>) {
  const days = useMemo(() => (load.state === 'ok' ? load.data.days.map((d) => d.day) : []), [load]);
  const series = useMemo(() => {
    if (load.state !== 'ok') return { traffic: [], outcome: [] };
    const d = load.data.days;
    return {
      traffic: [
        { label: 'Events', values: d.map((x) => x.events), color: '#2563eb' },
        { label: 'Visitors', values: d.map((x) => x.visitors), color: '#16a34a' },
      ],
      outcome: [
        { label: 'Conversions', values: d.map((x) => x.conversions), color: '#9333ea' },
        { label: 'Revenue', values: d.map((x) => x.revenue), color: '#ea580c', right: true },
      ],
    };
  }, [load]);
  return { days, series };
}

export function OverviewPage(props: { range: { since: string; until: string } }) {
  const load = useApi<Overview>(`/admin/dashboard/overview${rangeQuery(props.range)}`);
  const { days, series } = useOverviewSeries(load);
  if (load.state === 'loading') return <p class="loading">Loading the overview…</p>;
  if (load.state === 'error') return <p class="error">The overview could not be read: {load.message}</p>;
  const o = load.data;
  return (
    <div class="page">
      <h2>
        Overview <small>{o.since} – {o.until} (UTC)</small>
      </h2>
      {o.totals.events === 0 ? <p class="empty">No events in this range. New here? Run <code>npx touchline demo</code> to load a demo shop’s journeys.</p> : null}
      <TotalTiles totals={o.totals} />
      <div class="charts">
        <section class="card">
          <h3>Events and visitors per day</h3>
          <TimeChart days={days} series={series.traffic} label="events and visitors per day" />
        </section>
        <section class="card">
          <h3>Conversions and revenue per day</h3>
          <TimeChart days={days} series={series.outcome} label="conversions and revenue per day" />
        </section>
      </div>
      <DataHealth health={o.health} />
      <DaysTable days={o.days} />
    </div>
  );
}

function TotalTiles({ totals: t }: { totals: Overview['totals'] }) {
  return (
    <div class="tiles">
      <Tile id="tile-events" label="Events" value={fmtInt(t.events)} />
      <Tile id="tile-visitors" label="Visitors" value={fmtInt(t.visitors)} hint="distinct anonymous ids" />
      <Tile id="tile-conversions" label="Conversions" value={fmtInt(t.conversions)} />
      <Tile id="tile-revenue" label="Revenue" value={fmtDec(t.revenue)} />
      <Tile id="tile-failed" label="Failed events" value={fmtInt(t.failed)} hint="see Data quality" />
    </div>
  );
}

/** How much of the traffic carries a touch, and who captured the landings. */
function DataHealth({ health: h }: { health: Overview['health'] }) {
  return (
    <>
      <h3>Data health</h3>
      <div class="tiles">
        <Share id="health-utm" label="Sessions with UTMs" part={h.withUtm} whole={h.sessions} of="sessions" />
        <Share id="health-click" label="Sessions with a click id" part={h.withClickId} whole={h.sessions} of="sessions" />
        <Share id="health-touch" label="Sessions with any touch" part={h.withTouch} whole={h.sessions} of="sessions" />
        <Share id="health-attributable" label="Conversions attributable" part={h.attributable} whole={h.conversions} of="conversions had a touch before" />
      </div>
      <DataTable
        id="arrivals"
        caption="Landings by capture (page and screen views)"
        csvName="touchline-arrivals.csv"
        note="@touchline/tracker: captured in the browser; @touchline/site: captured by your server's landing helper; anything else: another SDK."
        rows={h.arrivals}
        columns={[
          { key: 'library', label: 'Captured by', value: (r) => r.library },
          { key: 'arrivals', label: 'Arrivals', value: (r) => r.arrivals, show: (r) => fmtInt(r.arrivals), numeric: true },
          { key: 'share', label: 'Share', value: (r) => r.arrivals, show: (r) => fmtPct(r.arrivals, h.arrivals.reduce((s, x) => s + x.arrivals, 0)), numeric: true },
        ]}
      />
    </>
  );
}

function DaysTable({ days }: { days: Overview['days'] }) {
  return (
    <DataTable
      id="days"
      caption="Per day, newest first"
      csvName="touchline-overview-days.csv"
      rows={[...days].reverse()}
      columns={[
        { key: 'day', label: 'Day', value: (r) => r.day },
        { key: 'events', label: 'Events', value: (r) => r.events, show: (r) => fmtInt(r.events), numeric: true },
        { key: 'visitors', label: 'Visitors', value: (r) => r.visitors, show: (r) => fmtInt(r.visitors), numeric: true },
        { key: 'conversions', label: 'Conversions', value: (r) => r.conversions, show: (r) => fmtInt(r.conversions), numeric: true },
        { key: 'revenue', label: 'Revenue', value: (r) => r.revenue, show: (r) => fmtDec(r.revenue), numeric: true },
        { key: 'failed', label: 'Failed', value: (r) => r.failed, show: (r) => fmtInt(r.failed), numeric: true },
      ]}
    />
  );
}
