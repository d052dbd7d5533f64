import { useMemo, useState } from 'preact/hooks';
import { useApi } from '../use-api.js';
import type { AttributionAnswer, Settings } from '../types.js';
import { AttributionReport } from './attribution-report.js';

export interface AttributionFilters {
  conversion: string;
  level: string;
  lookbackDays: number;
  direct: string;
  models: string[];
  halfLifeDays: number;
  markovOrder: number;
}

/** The `POST /admin/attribute` body of the filters over a day range (`until` inclusive). */
export function attributeBody(f: AttributionFilters, range: { since: string; until: string }) {
  const until = range.until ? new Date(Date.parse(`${range.until}T00:00:00Z`) + 86_400_000).toISOString() : undefined;
  return {
    models: f.models.map((m) => (m === 'markov' && f.markovOrder !== 1 ? { model: 'markov', order: f.markovOrder } : m)),
    level: f.level,
    lookbackDays: f.lookbackDays,
    ...(f.conversion ? { conversions: [f.conversion] } : {}),
    ...(range.since ? { since: `${range.since}T00:00:00.000Z` } : {}),
    ...(until ? { until } : {}),
    params: { direct: f.direct, halfLifeDays: f.halfLifeDays },
    withSpend: true,
  };
}

/** Edits the filters locally; the report runs again only on Apply. */
function Filters(props: { settings: Settings; value: AttributionFilters; onApply: (f: AttributionFilters) => void }) {
  const [f, setF] = useState(props.value);
  const set = (patch: Partial<AttributionFilters>) => setF({ ...f, ...patch });
  // The checked models stay in the settings' order.
  const toggle = (m: string) => set({ models: f.models.includes(m) ? f.models.filter((x) => x !== m) : props.settings.models.filter((x) => x === m || f.models.includes(x)) });
  return (
    <form
      class="filters"
      onSubmit={(e) => {
        e.preventDefault();
        props.onApply(f);
      }}
    >
      <ScopeFields settings={props.settings} f={f} set={set} />
      <ModelParamFields f={f} set={set} />
      <fieldset class="models">
        <legend>Models</legend>
        {props.settings.models.map((m) => (
          <label key={m} class="check">
            <input type="checkbox" name={`model-${m}`} checked={f.models.includes(m)} onChange={() => toggle(m)} />
            {m}
          </label>
        ))}
      </fieldset>
      <button type="submit" disabled={f.models.length === 0}>
        Apply
      </button>
    </form>
  );
}

interface FieldProps {
  f: AttributionFilters;
  set: (patch: Partial<AttributionFilters>) => void;
}

/** Which conversions, at which level, over which lookback. */
function ScopeFields({ settings, f, set }: FieldProps & { settings: Settings }) {
  return (
    <>
      <label>
        Conversion
        <select name="conversion" value={f.conversion} onChange={(e) => set({ conversion: e.currentTarget.value })}>
          <option value="">every configured conversion</option>
          {settings.conversions.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </label>
      <label>
        Level
        <select name="level" value={f.level} onChange={(e) => set({ level: e.currentTarget.value })}>
          {settings.levels.map((l) => (
            <option key={l} value={l}>
              {l.replace('_', ' / ')}
            </option>
          ))}
        </select>
      </label>
      <label>
        Lookback (days)
        <input name="lookback" type="number" min={1} max={3650} value={f.lookbackDays} onInput={(e) => set({ lookbackDays: Number(e.currentTarget.value) })} />
      </label>
    </>
  );
}

/** How the models treat direct touches, and their parameters. */
function ModelParamFields({ f, set }: FieldProps) {
  return (
    <>
      <label>
        Direct touches
        <select name="direct" value={f.direct} onChange={(e) => set({ direct: e.currentTarget.value })}>
          <option value="ignore">ignored when other touches exist (GA4)</option>
          <option value="credit">credited like any channel</option>
        </select>
      </label>
      <label>
        Time-decay half-life (days)
        <input name="half-life" type="number" min={0.1} step={0.1} value={f.halfLifeDays} onInput={(e) => set({ halfLifeDays: Number(e.currentTarget.value) })} />
      </label>
      <label>
        Markov order
        <input name="markov-order" type="number" min={1} max={4} value={f.markovOrder} onInput={(e) => set({ markovOrder: Number(e.currentTarget.value) })} />
      </label>
    </>
  );
}

export function AttributionPage(props: { range: { since: string; until: string } }) {
  const settings = useApi<Settings>('/admin/dashboard/settings');
  if (settings.state === 'loading') return <p class="loading">Loading…</p>;
  if (settings.state === 'error') return <p class="error">{settings.message}</p>;
  return <AttributionWithSettings settings={settings.data} range={props.range} />;
}

function AttributionWithSettings(props: { settings: Settings; range: { since: string; until: string } }) {
  const s = props.settings;
  const [filters, setFilters] = useState<AttributionFilters>({ conversion: '', level: 'channel', lookbackDays: s.lookbackDays, direct: s.direct, models: s.models, halfLifeDays: 7, markovOrder: 1 });
  const body = useMemo(() => attributeBody(filters, props.range), [filters, props.range]);
  const answer = useApi<AttributionAnswer>('/admin/attribute', body);
  return (
    <div class="page">
      <h2>Attribution</h2>
      <Filters settings={s} value={filters} onApply={setFilters} />
      {answer.state === 'loading' ? <p class="loading">Running {filters.models.length} models…</p> : null}
      {answer.state === 'error' ? <p class="error">Attribution could not run: {answer.message}</p> : null}
      {answer.state === 'ok' ? <AttributionReport answer={answer.data} /> : null}
    </div>
  );
}
