import type { RunRecord } from '../store/records.js';

type Counters = Pick<RunRecord, 'delivered' | 'rejected' | 'failed' | 'details'>;

/**
 * Codes of rows held back on purpose, by the consent guard (the person said no, or never said
 * yes) or by a privacy request (the person was removed and suppressed): the policy working, not
 * a failure, so they never count against `maxRefusedPercent`.
 */
export const WITHHELD_CODES: ReadonlySet<string> = new Set(['CONSENT_MISSING', 'CONSENT_DENIED', 'GPC_OPT_OUT', 'SUPPRESSED']);

/** Refused rows of a run that were held back for consent or privacy (`details.withheld`, kept by checkpoints). */
export const withheldOf = (run: Pick<RunRecord, 'details'>): number => {
  const n = run.details['withheld'];
  return typeof n === 'number' && n > 0 ? n : 0;
};

/** The share of a run's answered rows refused for a reason other than consent, in percent. */
export function refusedPercent(run: Counters): number {
  const answered = run.delivered + run.rejected + run.failed;
  return answered === 0 ? 0 : (Math.max(0, run.rejected - withheldOf(run)) / answered) * 100;
}

/**
 * Why a run's refusals make it `partially_failed`, or null when they stay within
 * `maxRefusedPercent`. Refusals are counted against every row the run had an answer for, so a
 * run with 2 of 40 rows refused (5%) passes the default limit and one with 8 (20%) does not.
 */
export function refusalOverLimit(run: Counters, maxRefusedPercent: number): string | null {
  const percent = refusedPercent(run);
  if (percent <= maxRefusedPercent) return null;
  const answered = run.delivered + run.rejected + run.failed;
  const withheld = withheldOf(run);
  return (
    `${run.rejected - withheld} of ${answered} row(s) were refused (${percent.toFixed(1)}%${withheld ? `; ${withheld} more held back for consent or a privacy request` : ''}), ` +
    `more than maxRefusedPercent (${maxRefusedPercent}%); see their reasons in sync_row_results (status 'rejected')`
  );
}

/**
 * A finished run's status after its counters changed (a late vendor verdict): `succeeded` and
 * `partially_failed` follow the refusals; `failed` and `cancelled` keep their status (their reason
 * is not the refusals). The one move between finished statuses the engine makes.
 */
export function reassessed(run: RunRecord, maxRefusedPercent: number): RunRecord {
  if (run.status !== 'succeeded' && run.status !== 'partially_failed') return run;
  const over = refusalOverLimit(run, maxRefusedPercent);
  if (over) return { ...run, status: 'partially_failed', error: over };
  return { ...run, status: 'succeeded', error: null };
}
