/**
 * docs/grafana/touchline.json against a running server's own `/metrics`: the dashboard charts
 * every metric family the server exports, names none that it does not, and groups and filters
 * only by labels those families carry (a renamed metric or label breaks this test, not a
 * production dashboard).
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { parseExposition, type Exposition } from '../support/prometheus-text.js';

interface Target { readonly expr: string; readonly legendFormat?: string }
interface Panel { readonly type: string; readonly title: string; readonly targets?: readonly Target[]; readonly panels?: readonly Panel[] }
interface Dashboard { readonly panels: readonly Panel[]; readonly templating: { readonly list: readonly { readonly definition?: string }[] } }

const DASHBOARD = new URL('../../../../docs/grafana/touchline.json', import.meta.url);
/** Labels Prometheus adds to every scraped series, and a histogram's bucket bound. */
const SCRAPE_LABELS = ['instance', 'job', 'le'];

let h: Harness;
let e: Exposition;
let dashboard: Dashboard;

beforeAll(async () => {
  dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as Dashboard;
  h = await startHarness();
  // Traffic enough for a series in each family, so its labels can be read off the scrape.
  await h.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: h.auth }, payload: { batch: [{ type: 'track', event: 'A', anonymousId: 'a' }, { type: 'track', anonymousId: 'b' }] } });
  await h.loader.flush();
  h.metrics.countSyncRun({ syncName: 'seats', status: 'succeeded', delivered: 1, rejected: 0, failed: 0 });
  h.metrics.countTokenRefreshFailure('google', 'transient');
  const res = await h.adminApp.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${h.adminToken}` } });
  expect(res.statusCode).toBe(200);
  e = parseExposition(res.body);
});
afterAll(async () => {
  await h?.dispose();
});

const panelsOf = (ps: readonly Panel[]): Panel[] => ps.flatMap((p) => [p, ...panelsOf(p.panels ?? [])]);
const exprs = (): string[] => [
  ...panelsOf(dashboard.panels).flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
  ...dashboard.templating.list.flatMap((v) => (v.definition ? [v.definition] : [])),
];

/** The family a series name belongs to (`x_bucket` → `x` for a histogram). */
function familyOf(series: string): string {
  const base = series.replace(/_(bucket|count|sum)$/, '');
  return e.families.get(base) === 'histogram' ? base : series;
}
const seriesIn = (expr: string): string[] => [...expr.matchAll(/\btouchline_[a-z0-9_]+/g)].map((m) => m[0]);

/** Label names an expression or legend uses: selectors, `by (…)` / `without (…)`, label_values, `{{…}}`. */
function labelsUsed(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\{([^}]*)\}/g)) for (const k of m[1]!.matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)) out.push(k[1]!);
  for (const m of text.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)) out.push(...m[1]!.split(',').map((s) => s.trim()).filter(Boolean));
  for (const m of text.matchAll(/label_values\([^,]+,\s*(\w+)\)/g)) out.push(m[1]!);
  for (const m of text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)) out.push(m[1]!);
  return out;
}

describe('docs/grafana/touchline.json', () => {
  it('the server exports the families the operations guide names', () => {
    expect([...e.families.keys()].filter((f) => f.startsWith('touchline_')).length).toBeGreaterThanOrEqual(14);
  });

  it('charts every metric family the server exports', () => {
    const charted = new Set(exprs().flatMap(seriesIn).map(familyOf));
    const missing = [...e.families.keys()].filter((f) => !charted.has(f));
    expect(missing, 'families on /metrics that no panel charts').toEqual([]);
  });

  it('names no metric the server does not export', () => {
    const unknown = exprs().flatMap(seriesIn).filter((s) => !e.families.has(familyOf(s)));
    expect(unknown, 'series in the dashboard that /metrics does not have').toEqual([]);
  });

  it('groups and filters only by labels the charted families carry', () => {
    const labelsOf = (family: string) => new Set(e.samples.filter((s) => familyOf(s.name) === family).flatMap((s) => Object.keys(s.labels)));
    const targets = [
      ...panelsOf(dashboard.panels).flatMap((p) => (p.targets ?? []).map((t) => ({ where: p.title, text: `${t.expr} ${t.legendFormat ?? ''}` }))),
      ...dashboard.templating.list.flatMap((v) => (v.definition ? [{ where: 'templating', text: v.definition }] : [])),
    ];
    expect(targets.length).toBeGreaterThanOrEqual(15);
    for (const t of targets) {
      const families = seriesIn(t.text).map(familyOf);
      expect(families.length, t.where).toBeGreaterThan(0);
      const known = new Set([...SCRAPE_LABELS, ...families.flatMap((f) => [...labelsOf(f)])]);
      for (const l of labelsUsed(t.text)) expect(known.has(l), `${t.where}: label "${l}" is on none of ${families.join(', ')}`).toBe(true);
    }
  });

  it('is a dashboard Grafana imports: a Prometheus datasource variable, unique panel ids, each chart with a query', () => {
    const panels = panelsOf(dashboard.panels);
    const ids = panels.map((p) => (p as unknown as { id: number }).id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels.filter((x) => x.type !== 'row')) expect(p.targets?.length, p.title).toBeGreaterThan(0);
    expect(JSON.stringify(dashboard.templating)).toContain('"type":"datasource"');
  });
});
