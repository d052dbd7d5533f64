import type { RunRecord } from '../activation/store/records.js';
import type { AlertKind } from './alerts-config.js';

/** One alert, before it is worded for a channel. Holds no personal data and no secret. */
export interface Alert {
  readonly kind: AlertKind;
  readonly sync: string;
  /** One line: what happened to which sync. */
  readonly title: string;
  /** Facts a reader acts on: run id, counts, the (redacted) reason, what to do. */
  readonly facts: readonly string[];
  readonly at: number;
}

/** Codes and words of dead credentials (the token providers' codes; the run error's note). */
const DEAD_TOKEN = /RECONNECT_REQUIRED|AUTH_MISCONFIGURED|NO_CREDENTIALS|the destination has no usable credentials/;

/** What to do, per kind. */
const ADVICE: Readonly<Record<AlertKind, string>> = {
  run_failed: 'See `touchline sync history <sync>`; the rows not delivered go again on the next run.',
  refusals: "See the refused rows: sync_row_results where status = 'rejected' for this run (code, vendor_code, reason).",
  dead_token: 'Reconnect the destination (`touchline destinations connect <name>`) or fix its credentials; nothing was recorded as refused.',
  overdue: 'Check that `touchline start` is running and that the sync is not stuck (`touchline sync list`).',
};

/**
 * The alert a finished real run calls for, or null: `failed` (a dead token when its error says
 * so), `partially_failed` (refusals above the sync's limit). Test and baseline runs, successes,
 * pauses and cancellations alert nobody.
 */
export function alertForRun(run: RunRecord, now: number): Alert | null {
  if (run.kind !== 'run') return null;
  const facts = [`run ${run.runId} (${run.trigger}) to ${run.destination}`, `${run.delivered} delivered, ${run.rejected} refused, ${run.failed} not delivered`];
  const reason = run.error === null ? [] : [`reason: ${redact(run.error)}`];
  if (run.status === 'partially_failed') {
    return { kind: 'refusals', sync: run.syncName, title: `Sync ${run.syncName}: too many rows refused`, facts: [...facts, ...reason, ADVICE.refusals], at: now };
  }
  if (run.status !== 'failed') return null;
  const kind: AlertKind = run.error !== null && DEAD_TOKEN.test(run.error) ? 'dead_token' : 'run_failed';
  const title = kind === 'dead_token' ? `Sync ${run.syncName}: the destination ${run.destination} has no usable credentials` : `Sync ${run.syncName}: run failed`;
  return { kind, sync: run.syncName, title, facts: [...facts, ...reason, ADVICE[kind]], at: now };
}

/** The alert for a timed sync whose due time passed more than the grace period ago. */
export function alertForOverdue(sync: string, dueAt: number, now: number): Alert {
  const minutes = Math.round((now - dueAt) / 60_000);
  return {
    kind: 'overdue',
    sync,
    title: `Sync ${sync}: not run on time`,
    facts: [`due at ${new Date(dueAt).toISOString()}, ${minutes} minute(s) ago`, ADVICE.overdue],
    at: now,
  };
}

/**
 * Takes personal data and secrets out of a text that may quote a vendor or a database (a run's
 * error): e-mail addresses, phone-like digit runs, bearer tokens and long token-like strings,
 * URLs past their host (a webhook's path is its secret; a query can carry anything). Alerts
 * travel to chat rooms and mailboxes; these never go with them.
 */
export function redact(text: string): string {
  return text
    .replace(/(https?:\/\/[^\s/?#"'@]+)[/?#][^\s"']*/g, '$1/[path]')
    .replace(/[^\s@<>"'(),;:]+@[^\s@<>"'(),;:]+\.[A-Za-z]{2,}/g, '[e-mail]')
    .replace(/\b(Bearer|Basic)\s+\S+/gi, '$1 [secret]')
    .replace(/\+?\d[\d\s().-]{6,}\d/g, '[number]')
    .replace(/[A-Za-z0-9_\-+/=.]{32,}/g, '[secret]')
    .slice(0, 600);
}
