import { useState } from 'preact/hooks';
import { fmtDec } from '../format.js';
import { DataTable } from '../table.js';
import { useApi } from '../use-api.js';

type Row = Record<string, unknown>;
interface Journey {
  personId: string;
  ids: { userIds: string[]; anonymousIds: string[]; emails: string[] };
  touches: Row[];
  events: Row[];
  identities: Row[];
  conversions: Row[];
  synced: Row[];
  firstTouch: Row | null;
  lastTouch: Row | null;
}

const text = (v: unknown) => (v === null || v === undefined ? '' : String(v));
const col = (key: string, label: string) => ({ key, label, value: (r: Row) => (r[key] === null || r[key] === undefined ? null : (r[key] as string | number)) });

function touchLine(t: Row | null): string {
  if (!t) return 'none';
  return `${text(t['channel'])} · ${text(t['source'])} / ${text(t['medium'])}${t['campaign'] ? ` · ${text(t['campaign'])}` : ''} · ${text(t['touch_at'])}`;
}

function JourneyView(props: { q: string }) {
  const load = useApi<Journey>(`/admin/dashboard/journey?q=${encodeURIComponent(props.q)}`);
  if (load.state === 'loading') return <p class="loading">Looking up {props.q}…</p>;
  if (load.state === 'error') return <p class="error">{load.message}</p>;
  const j = load.data;
  return (
    <div>
      <div class="tiles">
        <div class="tile" data-testid="journey-ids">
          <span class="tile-label">Ids linked</span>
          <strong class="tile-value">{j.ids.userIds.length + j.ids.anonymousIds.length}</strong>
          <span class="tile-hint">users: {j.ids.userIds.join(', ') || '—'}; devices: {j.ids.anonymousIds.join(', ')}</span>
        </div>
        <div class="tile" data-testid="journey-first">
          <span class="tile-label">First touch</span>
          <span>{touchLine(j.firstTouch)}</span>
        </div>
        <div class="tile" data-testid="journey-last">
          <span class="tile-label">Last touch</span>
          <span>{touchLine(j.lastTouch)}</span>
        </div>
        <div class="tile" data-testid="journey-conversions">
          <span class="tile-label">Conversions</span>
          <strong class="tile-value">{j.conversions.length}</strong>
          <span class="tile-hint">{fmtDec(j.conversions.reduce((s, c) => s + Number(c['value'] ?? 0), 0))} revenue</span>
        </div>
      </div>
      <DataTable id="journey-touches" caption="Touches (sessions)" csvName="touchline-journey-touches.csv" rows={j.touches} columns={[col('touch_at', 'When'), col('channel', 'Channel'), col('source', 'Source'), col('medium', 'Medium'), col('campaign', 'Campaign'), col('click_id_type', 'Click id'), col('device_id', 'Device')]} />
      <DataTable id="journey-events" caption="Events" csvName="touchline-journey-events.csv" rows={j.events} columns={[col('timestamp', 'When'), col('type', 'Type'), col('event', 'Event'), col('path', 'Path'), col('anonymous_id', 'Device'), col('user_id', 'User'), col('device_type', 'Device type'), col('library_name', 'Captured by')]} />
      <div class="charts">
        <DataTable id="journey-identities" caption="Identity links across devices" csvName="touchline-journey-identities.csv" rows={j.identities} columns={[col('first_seen', 'First seen'), col('kind', 'Kind'), col('anonymous_id', 'Anonymous id'), col('user_id', 'User id')]} />
        <DataTable id="journey-conversions" caption="Conversions" csvName="touchline-journey-conversions.csv" rows={j.conversions} columns={[col('converted_at', 'When'), col('conversion', 'Conversion'), col('value', 'Value'), col('currency', 'Currency')]} />
      </div>
      <DataTable id="journey-synced" caption="What was synced" csvName="touchline-journey-synced.csv" note={j.synced.length === 0 ? 'No sync has sent a row keyed by any of these ids.' : undefined} rows={j.synced} columns={[col('recorded_at', 'When'), col('sync_name', 'Sync'), col('op', 'Operation'), col('status', 'Status'), col('reason', 'Reason')]} />
    </div>
  );
}

export function JourneysPage() {
  const [input, setInput] = useState('');
  const [q, setQ] = useState('');
  return (
    <div class="page">
      <h2>Journeys</h2>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setQ(input.trim());
        }}
      >
        <label>
          User id, anonymous id or e-mail
          <input name="q" size={40} value={input} onInput={(e) => setInput(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={input.trim() === ''}>
          Find
        </button>
      </form>
      {q ? <JourneyView key={q} q={q} /> : <p class="note">One person’s timeline across devices: touches, events, identity links, conversions and syncs.</p>}
    </div>
  );
}
