import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api.js';
import { ActivationPage } from './pages/activation.js';
import { AttributionPage } from './pages/attribution.js';
import { AuditPage } from './pages/audit.js';
import { JourneysPage } from './pages/journeys.js';
import { LivePage } from './pages/live.js';
import { MembersPage } from './pages/members.js';
import { OverviewPage } from './pages/overview.js';
import { QualityPage } from './pages/quality.js';
import { SignIn } from './pages/sign-in.js';
import type { Me } from './types.js';
import './styles.css';

/** Each page and the action `/auth/me` must list for the page to show (the API refuses anyway). */
const PAGES = [
  { id: 'overview', label: 'Overview', action: 'dashboard.read' },
  { id: 'attribution', label: 'Attribution', action: 'attribution.run' },
  { id: 'journeys', label: 'Journeys', action: 'journeys.read' },
  { id: 'live', label: 'Live events', action: 'events.live' },
  { id: 'quality', label: 'Data quality', action: 'quality.read' },
  { id: 'activation', label: 'Activation', action: 'syncs.list' },
  // Admins and owners: the policy gives these actions to no other role.
  { id: 'members', label: 'Members', action: 'members.list' },
  { id: 'audit', label: 'Audit log', action: 'audit.read' },
] as const;
type PageId = (typeof PAGES)[number]['id'];

const pageOfHash = (): PageId => {
  const id = location.hash.replace(/^#\/?/, '');
  return PAGES.some((p) => p.id === id) ? (id as PageId) : 'overview';
};

function DateRange(props: { value: { since: string; until: string }; onChange: (v: { since: string; until: string }) => void }) {
  return (
    <div class="range">
      <label>
        From <input type="date" name="since" value={props.value.since} onChange={(e) => props.onChange({ ...props.value, since: e.currentTarget.value })} />
      </label>
      <label>
        to <input type="date" name="until" value={props.value.until} onChange={(e) => props.onChange({ ...props.value, until: e.currentTarget.value })} />
      </label>
    </div>
  );
}

function Shell(props: { me: Me; onSignOut: () => void }) {
  const [page, setPage] = useState<PageId>(pageOfHash());
  const [range, setRange] = useState({ since: '', until: '' });
  useEffect(() => {
    const on = () => setPage(pageOfHash());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  const can = (action: string) => props.me.actions.includes(action);
  const visible = PAGES.filter((p) => can(p.action));
  const current = visible.find((p) => p.id === page) ?? visible[0];
  return (
    <div class="shell">
      <nav>
        <strong class="brand">Touchline</strong>
        {visible.map((p) => (
          <a key={p.id} href={`#/${p.id}`} class={p.id === current?.id ? 'active' : ''}>
            {p.label}
          </a>
        ))}
        <span class="who" data-testid="who">
          {props.me.actor.name}
        </span>
        <button type="button" class="secondary" onClick={props.onSignOut}>
          Sign out
        </button>
      </nav>
      <main>
        {current && ['overview', 'attribution', 'quality'].includes(current.id) ? <DateRange value={range} onChange={setRange} /> : null}
        {!current ? <p class="empty">Your role may not see any page of the dashboard. Ask an admin.</p> : null}
        {current?.id === 'overview' ? <OverviewPage range={range} /> : null}
        {current?.id === 'attribution' ? <AttributionPage range={range} /> : null}
        {current?.id === 'quality' ? <QualityPage range={range} can={can} /> : null}
        {current?.id === 'journeys' ? <JourneysPage /> : null}
        {current?.id === 'live' ? <LivePage /> : null}
        {current?.id === 'activation' ? <ActivationPage can={can} me={props.me} /> : null}
        {current?.id === 'members' ? <MembersPage can={can} /> : null}
        {current?.id === 'audit' ? <AuditPage /> : null}
      </main>
    </div>
  );
}

function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [message, setMessage] = useState('');
  const refresh = () =>
    api<Me>('/auth/me').then(setMe, (err: Error) => {
      setMe(null);
      if (!(err instanceof ApiError && err.status === 401)) setMessage(err.message);
    });
  useEffect(() => void refresh(), []);
  if (me === undefined) return <p class="loading">Loading…</p>;
  if (me === null) return <SignIn onSignedIn={() => void refresh()} message={message} />;
  return <Shell me={me} onSignOut={() => void api('/auth/session', { method: 'DELETE' }).finally(() => setMe(null))} />;
}

render(<App />, document.getElementById('app')!);
