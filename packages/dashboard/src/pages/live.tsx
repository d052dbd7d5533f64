import { useEffect, useState } from 'preact/hooks';

interface LiveEvent {
  at: string;
  sourceId: string;
  endpoint: string;
  type: string;
  event: string | null;
  messageId: string | null;
  status: 'accepted' | 'rejected';
  reason: string | null;
  touch: Record<string, unknown> | null;
}

/** The parsed touch's marketing fields (the URL and referrer themselves are left out: they are long). */
function touchText(t: Record<string, unknown> | null): string {
  const parts = touchParts(t ?? {});
  return parts.length === 0 ? '—' : parts.join(' ');
}

/** `key=value` for each field of the touch; a nested object (the click ids) by its own fields. */
function touchParts(t: Record<string, unknown>): string[] {
  return Object.entries(t).flatMap(([k, v]) => {
    if (k === 'url' || k === 'referrer' || v === undefined || v === null || v === '') return [];
    if (typeof v === 'object' && !Array.isArray(v)) return touchParts(v as Record<string, unknown>);
    return [`${k}=${String(v)}`];
  });
}

/** Events the page keeps; older ones scroll away. */
const KEEP = 300;

interface LiveFilter {
  source: string;
  type: string;
}

/**
 * The sampled events matching `filter`, newest first, and the stream's state. A changed filter
 * opens a new stream (and starts the list over); pausing closes it.
 */
function useLiveEvents(filter: LiveFilter, paused: boolean) {
  const [events, setEvents] = useState<LiveEvent[]>([]);
  const [state, setState] = useState('connecting');
  useEffect(() => {
    if (paused) return;
    const p = new URLSearchParams();
    if (filter.source) p.set('source', filter.source);
    if (filter.type) p.set('type', filter.type);
    const es = new EventSource(`/admin/dashboard/live?${p.toString()}`);
    setEvents([]);
    es.onopen = () => setState('live');
    es.onerror = () => setState('reconnecting');
    es.onmessage = (m) => setEvents((prev) => [JSON.parse(m.data as string) as LiveEvent, ...prev].slice(0, KEEP));
    return () => es.close();
  }, [filter.source, filter.type, paused]);
  return { events, state };
}

/** The live view: an EventSource on the admin listener (the session cookie signs it in). */
export function LivePage() {
  const [filter, setFilter] = useState<LiveFilter>({ source: '', type: '' });
  const [paused, setPaused] = useState(false);
  const { events, state } = useLiveEvents(filter, paused);
  return (
    <div class="page">
      <h2>
        Live events <small data-testid="live-state">{paused ? 'paused' : state}</small>
      </h2>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Source id
          <input name="source" value={filter.source} onChange={(e) => setFilter({ ...filter, source: e.currentTarget.value.trim() })} />
        </label>
        <label>
          Type or event name
          <input name="type" value={filter.type} onChange={(e) => setFilter({ ...filter, type: e.currentTarget.value.trim() })} />
        </label>
        <button type="button" class="secondary" onClick={() => setPaused(!paused)}>
          {paused ? 'Resume' : 'Pause'}
        </button>
      </form>
      <p class="note">A sample of what the collector receives (at most 50 events a second), newest first, with whether it was accepted and the touch read from its page.</p>
      <LiveTable events={events} />
    </div>
  );
}

function LiveTable({ events }: { events: readonly LiveEvent[] }) {
  return (
    <div class="table-card">
      <div class="table-scroll">
        <table data-testid="live">
          <thead>
            <tr>
              <th>Received</th>
              <th>Type</th>
              <th>Event</th>
              <th>Status</th>
              <th>Touch</th>
              <th>Source</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e, i) => (
              <tr key={`${e.messageId ?? ''}-${i}`} class={e.status}>
                <td>{e.at}</td>
                <td data-col="type">{e.type}</td>
                <td data-col="event">{e.event ?? ''}</td>
                <td data-col="status">{e.status === 'accepted' ? 'accepted' : `rejected: ${e.reason ?? ''}`}</td>
                <td data-col="touch">{touchText(e.touch)}</td>
                <td>{e.sourceId}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
