import { ModelBars } from '../charts/model-bars.js';
import { fmtDec, fmtInt } from '../format.js';
import { DataTable, type Column } from '../table.js';
import type { AttributionAnswer } from '../types.js';

/** Level values the chart shows at most (by their largest credit); the table has them all. */
const CHART_ROWS = 12;

export interface CreditRow {
  readonly label: string;
  /** Per model, in the answer's model order. */
  readonly credits: readonly { conversions: number; value: number }[];
}

/** One row per level value with each model's credit, ordered by the first model's conversions. */
export function creditRows(a: AttributionAnswer): CreditRow[] {
  const labels = new Set([...a.models.flatMap((m) => Object.keys(m.credits)), ...Object.keys(a.spend?.cost ?? {})]);
  const rows = [...labels].map((label) => ({ label, credits: a.models.map((m) => m.credits[label] ?? { conversions: 0, value: 0 }) }));
  return rows.sort((x, y) => (y.credits[0]?.conversions ?? 0) - (x.credits[0]?.conversions ?? 0) || x.label.localeCompare(y.label));
}

const LEVEL_LABEL: Record<string, string> = { channel: 'Channel', source_medium: 'Source / medium', campaign: 'Campaign', source: 'Source', medium: 'Medium' };

/** Shown until spend exists: cost is one number per row (no model moves it); CPA and ROAS follow each model's credit. */
const SPEND_NOTE =
  'Cost, CPA and ROAS stay empty until ad spend is imported (touchline spend import; docs/spend.md). Cost does not depend on the model; CPA = cost ÷ credited conversions and ROAS = credited revenue ÷ cost under each model.';

const ratio = (n: number | null) => (n === null ? '—' : fmtDec(n));

/** Cost once per row, then CPA and ROAS under each model, in the reporting currency; placeholders while there is no spend. */
function spendColumns(a: AttributionAnswer): Column<CreditRow>[] {
  const s = a.spend;
  if (!s || Object.keys(s.cost).length === 0) {
    return [
      { key: 'cost', label: 'Cost', value: () => null, show: () => '—', numeric: true },
      { key: 'cpa', label: 'CPA', value: () => null, show: () => '—', numeric: true },
      { key: 'roas', label: 'ROAS', value: () => null, show: () => '—', numeric: true },
    ];
  }
  const cost = (r: CreditRow) => s.cost[r.label] ?? null;
  const cpa = (r: CreditRow, i: number) => {
    const c = cost(r);
    const conv = r.credits[i]?.conversions ?? 0;
    return c === null || conv <= 0 ? null : c / conv;
  };
  const roas = (r: CreditRow, i: number) => {
    const c = cost(r);
    return c === null || c <= 0 ? null : (r.credits[i]?.value ?? 0) / c;
  };
  return [
    { key: 'cost', label: `Cost (${s.currency})`, value: cost, show: (r) => ratio(cost(r)), numeric: true },
    ...a.models.flatMap((m, i): Column<CreditRow>[] => [
      { key: `${m.model}-cpa`, label: `${m.model} CPA (${s.currency})`, value: (r) => cpa(r, i), show: (r) => ratio(cpa(r, i)), numeric: true },
      { key: `${m.model}-roas`, label: `${m.model} ROAS`, value: (r) => roas(r, i), show: (r) => ratio(roas(r, i)), numeric: true },
    ]),
  ];
}

function creditColumns(a: AttributionAnswer): Column<CreditRow>[] {
  const models = a.models.map((m) => m.model);
  return [
    { key: 'label', label: LEVEL_LABEL[a.level] ?? a.level, value: (r) => r.label },
    ...models.flatMap((m, i): Column<CreditRow>[] => [
      { key: `${m}-conv`, label: `${m} conversions`, value: (r) => r.credits[i]?.conversions ?? 0, show: (r) => fmtDec(r.credits[i]?.conversions ?? 0), numeric: true },
      { key: `${m}-rev`, label: `${m} revenue`, value: (r) => r.credits[i]?.value ?? 0, show: (r) => fmtDec(r.credits[i]?.value ?? 0), numeric: true },
    ]),
    ...spendColumns(a),
  ];
}

const stat = (v: number | null | undefined) => (v === null || v === undefined || Number.isNaN(v) ? '–' : fmtDec(v));

/** The chart's rows: the level values with the largest credit under any model, first. */
function chartRowsOf(rows: readonly CreditRow[]) {
  return [...rows]
    .sort((x, y) => Math.max(...y.credits.map((c) => c.conversions)) - Math.max(...x.credits.map((c) => c.conversions)))
    .slice(0, CHART_ROWS)
    .map((r) => ({ label: r.label, values: r.credits.map((c) => c.conversions) }));
}

/**
 * The attribution page's results: the model comparison chart, the credit table, and the paths
 * (top paths, time and touches to convert). Pure: the static HTML report renders it too.
 */
export function AttributionReport(props: { answer: AttributionAnswer }) {
  const a = props.answer;
  const rows = creditRows(a);
  return (
    <div class="report">
      <TotalTiles totals={a.totals} />
      {[...a.notes, ...(a.spend?.notes ?? [])].map((n) => (
        <p class="note" key={n}>
          {n}
        </p>
      ))}
      <section class="card">
        <h3>Conversions credited by {(LEVEL_LABEL[a.level] ?? a.level).toLowerCase()}, every model side by side</h3>
        <ModelBars models={a.models.map((m) => m.model)} rows={chartRowsOf(rows)} unit="conversions" />
      </section>
      <DataTable id="credits" caption="Credit and revenue under each model" csvName={`touchline-attribution-${a.level}.csv`} note={a.spend && Object.keys(a.spend.cost).length > 0 ? `Cost in ${a.spend.currency}, the same under every model; CPA = cost ÷ credited conversions, ROAS = credited revenue ÷ cost.` : SPEND_NOTE} rows={rows} columns={creditColumns(a)} />
      <PathTables answer={a} />
    </div>
  );
}

function TotalTiles({ totals: t }: { totals: AttributionAnswer['totals'] }) {
  return (
    <div class="tiles">
      <div class="tile" data-testid="attr-conversions">
        <span class="tile-label">Conversions</span>
        <strong class="tile-value">{fmtInt(t.conversions)}</strong>
      </div>
      <div class="tile" data-testid="attr-revenue">
        <span class="tile-label">Revenue</span>
        <strong class="tile-value">{fmtDec(t.value)}</strong>
      </div>
      <div class="tile" data-testid="attr-empty">
        <span class="tile-label">With no touch in the window</span>
        <strong class="tile-value">{fmtInt(t.empty_path_conversions)}</strong>
      </div>
    </div>
  );
}

/** The paths: the top conversion paths, then time and touches to convert. */
function PathTables({ answer: a }: { answer: AttributionAnswer }) {
  const ttc = a.time_to_convert;
  const tc = a.touches_to_convert;
  return (
    <>
      <DataTable
        id="top-paths"
        caption={`Top conversion paths${a.top_paths?.approximate ? ' (approximate)' : ''}`}
        csvName="touchline-top-paths.csv"
        rows={a.top_paths?.paths ?? []}
        columns={[
          { key: 'path', label: 'Path', value: (p) => p.path.join(' → ') || '(no touch)' },
          { key: 'conversions', label: 'Conversions', value: (p) => p.conversions, show: (p) => fmtInt(p.conversions), numeric: true },
          { key: 'value', label: 'Revenue', value: (p) => p.value, show: (p) => fmtDec(p.value), numeric: true },
        ]}
      />
      <div class="charts">
        <DataTable
          id="time-to-convert"
          caption={`Time to convert (median ${stat(ttc?.median)} days, p90 ${stat(ttc?.p90)})`}
          csvName="touchline-time-to-convert.csv"
          rows={ttc?.by_day ?? []}
          columns={[
            { key: 'days', label: 'Days', value: (d) => d.days, numeric: true },
            { key: 'conversions', label: 'Conversions', value: (d) => d.conversions, show: (d) => fmtInt(d.conversions), numeric: true },
          ]}
        />
        <DataTable
          id="touches-to-convert"
          caption={`Touches to convert (median ${stat(tc?.median)}, p90 ${stat(tc?.p90)})`}
          csvName="touchline-touches-to-convert.csv"
          rows={tc?.by_touches ?? []}
          columns={[
            { key: 'touches', label: 'Touches', value: (d) => d.touches, numeric: true },
            { key: 'conversions', label: 'Conversions', value: (d) => d.conversions, show: (d) => fmtInt(d.conversions), numeric: true },
          ]}
        />
      </div>
    </>
  );
}
