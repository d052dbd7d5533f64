import type { DryRunReport } from '../../activation/engine/dry-run.js';
import type { SyncSummary } from '../../activation/engine/sync-engine.js';
import type { RunRecord } from '../../activation/store/records.js';
import { formatTable } from '../format.js';

const seconds = (run: RunRecord) => {
  const end = run.finishedAt ?? run.heartbeatAt;
  return end ? ((Date.parse(end) - Date.parse(run.startedAt)) / 1000).toFixed(1) + 's' : '-';
};

const planned = (r: RunRecord) => `${r.plannedAdd}/${r.plannedChange}/${r.plannedRemove}`;

export function formatSyncList(syncs: readonly SyncSummary[], forwarding: unknown): string {
  const table = formatTable({
    columns: ['sync', 'destination', 'mode', 'schedule', 'rows synced', 'last run', 'status', 'when'],
    rows: syncs.map((s) => [
      s.name, `${s.destination} (${s.type})`, s.mode, s.schedule, s.rows,
      s.lastRun?.runId ?? '-', s.lastRun?.status ?? 'never run', s.lastRun?.startedAt ?? '-',
    ]),
  });
  const rules = (forwarding as { rules?: { name: string; destination: string; events: string[]; pending: number }[] } | undefined)?.rules ?? [];
  if (rules.length === 0) return table;
  const fwd = formatTable({
    columns: ['forwarding rule', 'destination', 'events', 'waiting in outbox'],
    rows: rules.map((r) => [r.name, r.destination, r.events.join(', '), r.pending]),
  });
  return `${table}\n\n${fwd}`;
}

export function formatHistory(runs: readonly RunRecord[]): string {
  return formatTable({
    columns: ['run', 'kind', 'status', 'trigger', 'started', 'took', 'new/changed/removed', 'delivered', 'refused', 'failed', 'requests', 'resumes', 'error'],
    rows: runs.map((r) => [
      r.runId, r.kind, r.status, r.trigger, r.startedAt, seconds(r), planned(r), r.delivered, r.rejected, r.failed, r.requests, r.resumes, r.error ?? '',
    ]),
  });
}

/** The closing lines of `touchline sync run`. */
export function formatRunSummary(run: RunRecord): string[] {
  const lines = [
    `sync ${run.syncName}: ${run.status} in ${seconds(run)} (${run.kind === 'run' ? '' : `${run.kind} `}run ${run.runId}${run.resumes ? `, resumed ${run.resumes}x` : ''})`,
    `  ${run.plannedAdd} new, ${run.plannedChange} changed, ${run.plannedRemove} removed -> ${run.delivered} delivered, ${run.rejected} refused, ${run.failed} failed, ${run.requests} request(s)`,
  ];
  if (run.error) lines.push(`  ${run.error}`);
  if (run.status === 'paused') lines.push(`  paused: run \`touchline sync run ${run.syncName}\` again to resume it`);
  if (run.status === 'awaiting_approval') lines.push('  nothing was sent: another member approves it with `touchline approvals approve <id>` (touchline approvals list)');
  if (run.rejected > 0 || run.failed > 0) {
    lines.push(
      `  per-row results: touchline sql "select pk, status, code, vendor_code, reason from sync_row_results where run_id = '${run.runId}' and status in ('rejected', 'failed')"`,
    );
  }
  return lines;
}

export function formatDryRun(r: DryRunReport): string {
  const out = [
    `dry run of sync ${r.sync} -> ${r.destination} (${r.type}, ${r.mode}): nothing was sent and nothing recorded`,
    `  source rows: ${r.stagedRows}; diff: ${r.counts.add} new, ${r.counts.change} changed, ${r.counts.remove} to clear; at least ${r.minRequests} request(s)`,
    r.guard ? `  a real run would be REFUSED by a blast-radius guard: ${r.guard}` : '  blast-radius guards: pass',
    `  test mode: ${r.testMode}`,
    '',
  ];
  if (r.rows.length > 0) {
    out.push(
      formatTable({
        columns: ['op', 'key', 'changes', 'refused before sending'],
        rows: r.rows.map((row) => [
          row.op,
          row.pk,
          row.op === 'change' && row.before
            ? row.changed.map((c) => `${c}: ${JSON.stringify(row.before?.[c] ?? null)} -> ${JSON.stringify(row.row[c] ?? null)}`).join('; ')
            : row.op === 'remove'
              ? 'clear mapped fields'
              : JSON.stringify(row.row),
          row.refused ? `${row.refused.code}: ${row.refused.reason}` : '',
        ]),
      }),
    );
  }
  r.requests.forEach((req, i) => {
    out.push('', `request ${i + 1} of ${r.requests.length} for the rows above (credentials shown as ***):`, `${req.method} ${req.url}`);
    for (const [k, v] of Object.entries(req.headers)) out.push(`${k}: ${v}`);
    out.push('', JSON.stringify(req.body, null, 2));
  });
  return out.join('\n');
}
