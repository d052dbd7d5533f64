import { useMemo, useState } from 'preact/hooks';
import { downloadCsv } from './csv.js';

export interface Column<R> {
  readonly key: string;
  readonly label: string;
  /** The cell's raw value: what sorting and the CSV use. */
  readonly value: (row: R) => string | number | null;
  /** How the cell shows (the raw value by default). */
  readonly show?: (row: R) => string;
  readonly numeric?: boolean;
  /** Extra classes of the cell (a status badge). */
  readonly cellClass?: (row: R) => string;
}

/** Rows drawn at most; the CSV always has them all. Enough for any channel or campaign table. */
const MAX_DRAWN = 500;

/** A sortable table with a CSV export of every row (not just those drawn). */
export function DataTable<R>(props: { id: string; caption: string; columns: readonly Column<R>[]; rows: readonly R[]; csvName: string; note?: string | undefined }) {
  const [sort, setSort] = useState<{ key: string; desc: boolean } | null>(null);
  const sorted = useMemo(() => {
    if (!sort) return props.rows;
    const col = props.columns.find((c) => c.key === sort.key);
    if (!col) return props.rows;
    const dir = sort.desc ? -1 : 1;
    return [...props.rows].sort((a, b) => {
      const x = col.value(a);
      const y = col.value(b);
      if (x === y) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * dir;
    });
  }, [props.rows, props.columns, sort]);
  const exportCsv = () =>
    downloadCsv(
      props.csvName,
      props.columns.map((c) => c.label),
      sorted.map((r) => props.columns.map((c) => c.value(r))),
    );
  return (
    <section class="table-card" id={props.id}>
      <header>
        <h3>{props.caption}</h3>
        <button type="button" class="secondary" data-testid={`${props.id}-csv`} onClick={exportCsv}>
          Export CSV
        </button>
      </header>
      {props.note ? <p class="note">{props.note}</p> : null}
      <div class="table-scroll">
        <table data-testid={props.id}>
          <thead>
            <tr>
              {props.columns.map((c) => (
                <th key={c.key} class={c.numeric ? 'num' : ''} onClick={() => setSort({ key: c.key, desc: sort?.key === c.key ? !sort.desc : Boolean(c.numeric) })}>
                  {c.label}
                  {sort?.key === c.key ? (sort.desc ? ' ▼' : ' ▲') : ''}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {sorted.slice(0, MAX_DRAWN).map((r, i) => (
              <tr key={i}>
                {props.columns.map((c) => (
                  <td key={c.key} class={[c.numeric ? 'num' : '', c.cellClass?.(r) ?? ''].join(' ').trim()} data-col={c.key}>
                    {c.show ? c.show(r) : String(c.value(r) ?? '')}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {sorted.length > MAX_DRAWN ? <p class="note">Showing {MAX_DRAWN} of {sorted.length} rows; the CSV has them all.</p> : null}
    </section>
  );
}
