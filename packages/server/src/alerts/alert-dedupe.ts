import type { Alert } from './alert-rules.js';

/**
 * The dedupe rule: an alert of one kind for one sync is sent at most once per `windowMs`; the
 * ones held back meanwhile are counted and said in the next one sent. A `succeeded` run of the
 * sync ends its window (`recovered`), so the next failure is told at once. An overdue alert is
 * about one due time: a later due time is a new alert. In memory: after a restart, the first
 * alert of each kind goes out again.
 */
export function createDedupe(windowMs: number) {
  const last = new Map<string, { at: number; held: number; due: string }>();
  const keyOf = (a: Alert) => `${a.kind}\u0000${a.sync}`;
  return {
    /** Whether to send `a` now, and how many like it were held back before it. */
    admit(a: Alert, dueKey = ''): { readonly send: boolean; readonly held: number } {
      const k = keyOf(a);
      const prev = last.get(k);
      if (prev && a.at - prev.at < windowMs && prev.due === dueKey) {
        prev.held++;
        return { send: false, held: prev.held };
      }
      last.set(k, { at: a.at, held: 0, due: dueKey });
      return { send: true, held: prev?.held ?? 0 };
    },
    /** The sync ran successfully: its alerts start afresh. */
    recovered(sync: string): void {
      for (const k of [...last.keys()]) if (k.endsWith(`\u0000${sync}`)) last.delete(k);
    },
  };
}
