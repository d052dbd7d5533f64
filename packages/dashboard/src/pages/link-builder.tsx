import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { fmtInt } from '../format.js';
import { DataTable } from '../table.js';
import { useApi } from '../use-api.js';

const FIELDS = [
  ['url', 'Landing page', 'https://www.shop.test/sale'],
  ['utm_source', 'Source', 'facebook'],
  ['utm_medium', 'Medium', 'paid_social'],
  ['utm_campaign', 'Campaign', 'spring_sale'],
  ['utm_term', 'Term', ''],
  ['utm_content', 'Content', ''],
] as const;
type Field = (typeof FIELDS)[number][0];

/**
 * The campaign taxonomy's link builder: the server builds the URL by the same rules that read
 * landings (POST /admin/utm/build), so a link made here is one the reports will not flag.
 */
export function LinkBuilder() {
  const [form, setForm] = useState<Record<Field, string>>({ url: '', utm_source: '', utm_medium: '', utm_campaign: '', utm_term: '', utm_content: '' });
  const [out, setOut] = useState<{ url: string } | { error: string } | null>(null);
  const build = (e: Event) => {
    e.preventDefault();
    // Empty optional parameters are left out rather than sent as "" (which the rules would judge).
    const body = Object.fromEntries(Object.entries(form).filter(([, v]) => v.trim() !== ''));
    api<{ url: string }>('/admin/utm/build', { method: 'POST', body }).then(setOut, (err: Error) => setOut({ error: err.message }));
  };
  return (
    <form class="card filters" data-testid="link-builder" onSubmit={build}>
      <h3>Link builder</h3>
      {FIELDS.map(([name, label, example]) => (
        <label key={name}>
          {label} <input name={name} placeholder={example} value={form[name]} onInput={(e) => setForm({ ...form, [name]: e.currentTarget.value })} />
        </label>
      ))}
      <button type="submit">Build link</button>
      {out && 'url' in out ? <p data-testid="built-url"><code>{out.url}</code></p> : null}
      {out && 'error' in out ? <p class="error" data-testid="build-refused">{out.error}</p> : null}
    </form>
  );
}

interface UtmLine {
  param: string;
  value: string;
  canonical: string;
  problem: string;
  fix: string;
  landings: number;
}

/** Raw UTM values the taxonomy reads otherwise or refuses, most landings first, with the rule that fixes each. */
export function UtmReport() {
  const load = useApi<{ landings: number; lines: UtmLine[] }>('/admin/utm/report?days=90');
  if (load.state !== 'ok') return load.state === 'error' ? <p class="error">{load.message}</p> : <p class="loading">Loading…</p>;
  return (
    <DataTable
      id="utm-report"
      caption={`Nonconforming UTM values (last 90 days, of ${fmtInt(load.data.landings)} tagged landings)`}
      csvName="touchline-utm-report.csv"
      rows={load.data.lines}
      columns={[
        { key: 'param', label: 'Parameter', value: (l) => l.param },
        { key: 'value', label: 'Value as received', value: (l) => l.value },
        { key: 'canonical', label: 'Read as', value: (l) => l.canonical },
        { key: 'problem', label: 'Problem', value: (l) => l.problem },
        { key: 'landings', label: 'Landings', value: (l) => l.landings, show: (l) => fmtInt(l.landings), numeric: true },
        { key: 'fix', label: 'Rule that fixes it', value: (l) => l.fix },
      ]}
    />
  );
}
