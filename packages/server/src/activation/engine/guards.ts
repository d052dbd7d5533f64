import type { DiffCounts } from '../store/records.js';
import type { SyncMode } from '../store/records.js';

export interface GuardSettings {
  readonly maxRemovePercent: number;
  readonly maxChangeRatio: number;
  readonly minRows: number;
}

export interface GuardInput {
  readonly mode: SyncMode;
  readonly counts: DiffCounts;
  /** Rows the sync remembers as delivered before this run. */
  readonly delivered: number;
  /** Diff sizes of recent successful runs, newest first. */
  readonly history: readonly number[];
  readonly guards: GuardSettings;
  /** The destination deletes the records of removed rows (`capabilities.deletes`) instead of clearing them. */
  readonly deletes?: boolean;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * Blast-radius guards (DESIGN.md: syncs are "guarded against blast-radius mistakes"). A broken
 * source query that suddenly returns nothing would make a mirror sync clear every record, and a
 * join gone wrong can multiply a diff; both stop the run, which then waits for a second member's
 * approval (src/approvals/) or, with nobody to ask, fails. Returns the reason to stop, or null.
 */
export function checkGuards(g: GuardInput): string | null {
  const { counts, guards } = g;
  if (g.mode === 'mirror' && counts.remove > 0 && g.delivered > 0) {
    const percent = (counts.remove / g.delivered) * 100;
    if (percent > guards.maxRemovePercent) {
      return (
        `this run would ${g.deletes ? 'delete' : 'clear'} ${counts.remove} of the ${g.delivered} rows the sync has delivered (${percent.toFixed(1)}%), ` +
        `more than guards.maxRemovePercent (${guards.maxRemovePercent}%). Check the source query; if it is intended, the run through the server waits for a second member's approval (touchline approvals)`
      );
    }
  }
  const size = counts.add + counts.change + counts.remove;
  if (g.history.length >= 3 && size >= guards.minRows) {
    const usual = Math.max(1, median(g.history));
    if (size > usual * guards.maxChangeRatio) {
      return (
        `this run would send ${size} rows, ${(size / usual).toFixed(1)}x the usual ${usual} (median of the last ${g.history.length} runs), ` +
        `more than guards.maxChangeRatio (${guards.maxChangeRatio}x). Check the source query; if it is intended, the run through the server waits for a second member's approval (touchline approvals)`
      );
    }
  }
  return null;
}
