import { ConfigError, type Config } from '../../config/config.js';
import type { PrivacyRequest } from '../../privacy/privacy-requests.js';
import type { SuppressionEntry } from '../../privacy/suppression-list.js';
import { findRunningServer, type AdminClient } from '../server-handle.js';

/** The flags `touchline privacy` reads. */
export interface PrivacyFlags {
  readonly userId?: string | undefined;
  readonly anonymousId?: string | undefined;
  readonly email?: string | undefined;
  readonly dryRun: boolean;
  /** Seconds to wait for ClickHouse's deletes (0: report them pending). */
  readonly wait?: string | undefined;
  readonly json: boolean;
}

type Out = (s: string) => void;
const enc = encodeURIComponent;
const USAGE = `usage: touchline privacy delete --user-id <id> | --anonymous-id <id> | --email <address> [--dry-run] [--wait <seconds>]
       touchline privacy status <request> | requests | suppressions list | suppressions remove <request>`;

/** The one identifier the command was given, as the API names it. */
function subjectOf(f: PrivacyFlags): { kind: string; value: string } {
  const given = [['user_id', f.userId], ['anonymous_id', f.anonymousId], ['email', f.email]].filter((x): x is [string, string] => x[1] !== undefined);
  if (given.length !== 1) throw new ConfigError(`give exactly one of --user-id, --anonymous-id, --email\n${USAGE}`);
  return { kind: given[0]![0], value: given[0]![1] };
}

function report(r: PrivacyRequest, out: Out): void {
  const head =
    r.status === 'dry_run' ? 'dry run: would remove'
    : r.status === 'pending' ? `request ${r.id}: removing`
    : r.status === 'running' ? `request ${r.id}: did not finish (the person is suppressed; run the same delete again)`
    : `request ${r.id}: removed`;
  out(`${head} (subject ${r.subjectKind} ${r.subjectHash.slice(0, 16)}…; ${r.identifiers.ids} ids, ${r.identifiers.emails} emails${r.identifiers.shared ? `, ${r.identifiers.shared} shared device(s) kept for the other person` : ''})`);
  for (const [table, rows] of Object.entries(r.removed)) out(`  ${String(rows).padStart(8)}  ${table}`);
  if (r.status === 'pending') out(`ClickHouse is still deleting from ${r.pending.join(', ')}: touchline privacy status ${r.id}`);
  if (r.status !== 'dry_run') out('suppressed: events naming this person are dropped at ingest and never synced (touchline privacy suppressions list)');
}

/** Polls the request until ClickHouse's deletes finish or `seconds` pass, printing what still runs. */
async function waitDone(s: AdminClient, r: PrivacyRequest, seconds: number, out: Out): Promise<PrivacyRequest> {
  const deadline = Date.now() + seconds * 1000;
  let last = '';
  let cur = r;
  while (cur.status === 'pending' && Date.now() < deadline) {
    const now = cur.pending.join(', ');
    if (now !== last) out(`waiting for ClickHouse to finish deleting from ${now}…`);
    last = now;
    await new Promise((res) => setTimeout(res, 1000));
    cur = await s.call<PrivacyRequest>('GET', `/admin/privacy/requests/${enc(r.id!)}`);
  }
  return cur;
}

/** `touchline privacy delete | status | requests | suppressions list | suppressions remove`. */
export async function privacyCommand(config: Config, args: string[], f: PrivacyFlags, out: Out): Promise<number> {
  const [verb, sub, ref] = args;
  const s = await findRunningServer(config);
  if (!s) throw new ConfigError('no Touchline server runs on this data dir: privacy requests are served by it (touchline start)');
  const show = (x: unknown) => out(JSON.stringify(x, null, 2));
  switch (verb) {
    case 'delete': {
      const wait = f.wait === undefined ? 600 : Number(f.wait);
      if (!Number.isInteger(wait) || wait < 0) throw new ConfigError(`--wait must be a whole number of seconds (got ${f.wait})`);
      const first = await s.call<PrivacyRequest>('POST', '/admin/privacy/delete', { ...subjectOf(f), dryRun: f.dryRun });
      const r = first.status === 'pending' && wait > 0 ? await waitDone(s, first, wait, out) : first;
      if (f.json) show(r);
      else report(r, out);
      return r.status === 'pending' ? 3 : 0;
    }
    case 'status': {
      if (!sub) throw new ConfigError(USAGE);
      const r = await s.call<PrivacyRequest>('GET', `/admin/privacy/requests/${enc(sub)}`);
      if (f.json) show(r);
      else report(r, out);
      return 0;
    }
    case 'requests': {
      const { requests } = await s.call<{ requests: PrivacyRequest[] }>('GET', '/admin/privacy/requests');
      if (f.json) show(requests);
      else for (const r of requests) out(`${r.id}  ${r.status.padEnd(8)} ${r.createdAt}  ${r.subjectKind.padEnd(12)} ${r.subjectHash.slice(0, 16)}…  by ${r.createdBy}`);
      return 0;
    }
    case 'suppressions': {
      if (sub === 'list' || sub === undefined) {
        const { suppressions } = await s.call<{ suppressions: SuppressionEntry[] }>('GET', '/admin/privacy/suppressions');
        if (f.json) show(suppressions);
        else for (const e of suppressions) out(`${e.requestId}  ${e.createdAt}  ${e.hashes} identifier hash(es)`);
        return 0;
      }
      if (sub === 'remove' && ref) {
        const r = await s.call<{ removedHashes: number }>('DELETE', `/admin/privacy/suppressions/${enc(ref)}`);
        out(`lifted the suppression of ${ref} (${r.removedHashes} hashes): this person's events are stored again from now on`);
        return 0;
      }
      throw new ConfigError(USAGE);
    }
    default:
      throw new ConfigError(`unknown privacy command "${verb ?? ''}"\n${USAGE}`);
  }
}
