import type { ApprovalSummary } from '../../approvals/approval-record.js';
import { APPROVAL_STATUSES } from '../../approvals/approval-record.js';
import { ConfigError, type Config } from '../../config/config.js';
import { findRunningServer } from '../server-handle.js';
import { formatDryRun } from './sync-output.js';
import type { DryRunReport } from '../../activation/engine/dry-run.js';

export const APPROVALS_USAGE = `usage:
  touchline approvals list [pending|approved|used|superseded|rejected|expired|all]   requests, newest first (pending by default)
  touchline approvals show <id>                      who asked, why, the diff and the exact requests
  touchline approvals approve <id>                   approve another member's request: the run starts and sends the approved diff
                                                     (a forwarding rule's: the rule forwards from now on, its waiting events first)
  touchline approvals reject <id> --reason "…"       reject it: nothing is sent`;

const enc = encodeURIComponent;

const what = (a: ApprovalSummary) =>
  a.kind === 'forwarding-rule' ? 'forwarding rule config' : `${a.rows} rows (${a.counts.add} new, ${a.counts.change} changed, ${a.counts.remove} removed)`;

const line = (a: ApprovalSummary) =>
  `${a.id}  ${a.status.padEnd(10)} ${a.sync} -> ${a.destination} (${a.type})  ${what(a)}  ` +
  `asked by ${a.requester.label} at ${a.createdAt}  ${a.status === 'pending' || a.status === 'approved' ? `expires ${a.expiresAt}` : a.decider ? `by ${a.decider.label}` : ''}`;

function describe(a: ApprovalSummary & { report: DryRunReport; digest: string }): string {
  return [
    line(a),
    ...a.triggers.map((t) => `  waits because (${t.rule}): ${t.reason}`),
    ...(a.reason ? [`  reason: ${a.reason}`] : []),
    ...(a.supersededBy ? [`  replaced by ${a.supersededBy}`] : []),
    ...(a.usedRunId ? [`  sent by run ${a.usedRunId}`] : []),
    ...(a.kind === 'forwarding-rule'
      ? [`  config digest ${a.digest}`, '', JSON.stringify((a.report as DryRunReport & { rule?: unknown }).rule ?? null, null, 2)]
      : [`  diff digest ${a.digest}`, '', formatDryRun(a.report)]),
  ].join('\n');
}

/**
 * `touchline approvals …` (docs/governance.md): through the running server, which holds the
 * approvals in its control store and starts the approved run. Returns the exit code.
 */
export async function approvalsCommand(config: Config, args: readonly string[], f: { reason?: string | undefined; json: boolean }, out: (s: string) => void): Promise<number> {
  const [verb = 'list', id] = args;
  const s = await findRunningServer(config);
  if (!s) throw new ConfigError('no Touchline server runs on this data dir: approvals are kept and decided by it (touchline start)');
  const needId = () => {
    if (!id) throw new ConfigError(`touchline approvals ${verb} needs an approval id (touchline approvals list)\n${APPROVALS_USAGE}`);
    return enc(id);
  };
  switch (verb) {
    case 'list': {
      const status = id ?? 'pending';
      if (status !== 'all' && !(APPROVAL_STATUSES as readonly string[]).includes(status)) throw new ConfigError(APPROVALS_USAGE);
      const { approvals } = await s.call<{ approvals: ApprovalSummary[] }>('GET', `/admin/approvals${status === 'all' ? '' : `?status=${status}`}`);
      out(f.json ? JSON.stringify(approvals, null, 2) : approvals.length ? approvals.map(line).join('\n') : `no ${status === 'all' ? '' : `${status} `}approvals`);
      return 0;
    }
    case 'show': {
      const { approval } = await s.call<{ approval: ApprovalSummary & { report: DryRunReport; digest: string } }>('GET', `/admin/approvals/${needId()}`);
      out(f.json ? JSON.stringify(approval, null, 2) : describe(approval));
      return 0;
    }
    case 'approve': {
      const r = await s.call<{ approval: ApprovalSummary; runId: string | null }>('POST', `/admin/approvals/${needId()}/approve`, {});
      const done = r.runId === null
        ? `${r.approval.sync} forwards from now on, the events it held first, until its config changes (touchline status)`
        : `run ${r.runId} of sync ${r.approval.sync} started; it sends only if the diff is still the approved one (touchline sync history ${r.approval.sync})`;
      out(f.json ? JSON.stringify(r, null, 2) : `approved ${r.approval.id}: ${done}`);
      return 0;
    }
    case 'reject': {
      if (!f.reason) throw new ConfigError('touchline approvals reject <id> --reason "…": say why');
      const r = await s.call<{ approval: ApprovalSummary }>('POST', `/admin/approvals/${needId()}/reject`, { reason: f.reason });
      out(f.json ? JSON.stringify(r.approval, null, 2) : `rejected ${r.approval.id}: nothing was sent`);
      return 0;
    }
    default:
      throw new ConfigError(APPROVALS_USAGE);
  }
}
