import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { fmtInt } from '../format.js';
import { DataTable } from '../table.js';
import { useApi } from '../use-api.js';

interface ViolationGroup {
  event: string;
  kind: string;
  path: string;
  message: string;
  action: string;
  count: number;
  examples: string[];
  planVersions: string[];
}
interface ViolationReport {
  stored: number;
  quarantined: number;
  groups: ViolationGroup[];
  truncated: boolean;
}
interface ReplayResult {
  matched: number;
  alreadyReplayed: number;
  stored: number;
  quarantinedAgain: number;
  duplicates: number;
  dryRun: boolean;
}
type Range = { since: string; until: string };

/** The plan routes read `until` as an instant; the page's date range includes its last day. */
export function planRange(r: Range): { since?: string; until?: string; days: number } {
  return { days: 30, ...(r.since ? { since: r.since } : {}), ...(r.until ? { until: `${r.until}T23:59:59.999Z` } : {}) };
}

const replayBody = (r: Range, dryRun: boolean) => ({ ...planRange(r), reason: 'tracking plan', dryRun });

/** Replay in two steps: what a replay would take back first, then the replay itself (exactly once, server-side). */
function Replay(props: { range: Range }) {
  const [count, setCount] = useState<ReplayResult | null>(null);
  const [message, setMessage] = useState('');
  const call = (dryRun: boolean) =>
    api<ReplayResult>('/admin/plans/replay', { method: 'POST', body: replayBody(props.range, dryRun) }).then(
      (r) => (dryRun ? setCount(r) : (setCount(null), setMessage(`Replayed: ${fmtInt(r.stored)} stored, ${fmtInt(r.quarantinedAgain)} quarantined again, ${fmtInt(r.alreadyReplayed)} replayed before.`))),
      (e: Error) => setMessage(`error: ${e.message}`),
    );
  return (
    <div class="replay">
      <button type="button" data-testid="replay-count" onClick={() => void call(true)}>
        Replay quarantined events…
      </button>
      {count ? (
        <p data-testid="replay-dry">
          {fmtInt(count.matched - count.alreadyReplayed)} quarantined events would go through the current plan again ({fmtInt(count.alreadyReplayed)} were replayed before).{' '}
          <button type="button" data-testid="replay-go" onClick={() => void call(false)}>
            Replay them
          </button>
        </p>
      ) : null}
      {message ? <p class={message.startsWith('error') ? 'error' : 'note'} data-testid="replay-message">{message}</p> : null}
    </div>
  );
}

function ViolationTable(props: { report: ViolationReport }) {
  const r = props.report;
  return (
    <DataTable
      id="violations"
      caption={`Tracking-plan violations: ${fmtInt(r.stored)} events stored with one, ${fmtInt(r.quarantined)} quarantined`}
      csvName="touchline-plan-violations.csv"
      note={r.truncated ? 'Counted over the newest events only; narrow the range for exact counts.' : undefined}
      rows={r.groups}
      columns={[
        { key: 'event', label: 'Event', value: (g) => g.event },
        { key: 'path', label: 'Property', value: (g) => g.path },
        { key: 'kind', label: 'Kind', value: (g) => g.kind },
        { key: 'message', label: 'Rule', value: (g) => g.message },
        { key: 'action', label: 'Action', value: (g) => g.action },
        { key: 'count', label: 'Events', value: (g) => g.count, show: (g) => fmtInt(g.count), numeric: true },
        { key: 'examples', label: 'Example message ids', value: (g) => g.examples.join(' ') },
      ]}
    />
  );
}

/** The data-quality page's tracking-plan part: violations by event and property, and replay for who may. */
export function PlanViolations(props: { range: Range; canReplay: boolean }) {
  const plan = useApi<{ version: string | null }>('/admin/plans');
  const q = new URLSearchParams(Object.entries(planRange(props.range)).map(([k, v]) => [k, String(v)]));
  const load = useApi<ViolationReport>(plan.state === 'ok' && plan.data.version !== null ? `/admin/plans/violations?${q.toString()}` : null);
  if (plan.state === 'error') return <p class="error">{plan.message}</p>;
  if (plan.state === 'loading') return <p class="loading">Loading…</p>;
  if (plan.data.version === null)
    return (
      <section class="card placeholder" data-testid="no-plan">
        <h3>Tracking plan</h3>
        <p>
          No tracking plan is configured. Set <code>plans.path</code> in the config to a plan in your repository (start from <code>touchline plan infer</code>), then pick a
          mode per source (docs/tracking-plans.md).
        </p>
      </section>
    );
  return (
    <>
      <p data-testid="plan-version">
        Tracking plan version <code>{plan.data.version}</code>.
      </p>
      {load.state === 'error' ? <p class="error">{load.message}</p> : null}
      {load.state === 'ok' ? <ViolationTable report={load.data} /> : null}
      {props.canReplay ? <Replay range={props.range} /> : null}
    </>
  );
}
