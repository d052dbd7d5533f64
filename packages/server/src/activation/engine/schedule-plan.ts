import { Cron } from 'croner';
import type { Schedule } from '../config/schedule-config.js';
import { parseDuration } from '../config/duration.js';

/** A schedule as the scheduler reads it: by time (every, cron), after another sync, or manual. */
export type Timed = { readonly kind: 'every'; readonly ms: number } | { readonly kind: 'cron'; readonly cron: Cron };

/** The timed part of a schedule, or null for `manual` and `after` (which never fall due by time). */
export function timedOf(s: Schedule): Timed | null {
  if (s === 'manual' || 'after' in s) return null;
  if ('every' in s) return { kind: 'every', ms: parseDuration(s.every)! };
  return { kind: 'cron', cron: new Cron(s.cron, { timezone: s.timezone, paused: true }) };
}

/** The first due time strictly after `from` (epoch ms); null when the cron has no more. */
export function dueAfter(t: Timed, from: number): number | null {
  if (t.kind === 'every') return from + t.ms;
  return t.cron.nextRun(new Date(from))?.getTime() ?? null;
}

/**
 * When a timed sync is next due, at a scheduler's start (after downtime, or the first start).
 * The rule for missed runs: **one** catch-up run at start when at least one due time passed
 * since the sync's last run started, never one per missed slot; then the regular times.
 * - `every`: due `every` after the last start (at once when that is past; at once when it
 *   never ran).
 * - `cron`: the first cron time after the last start; if that is past, at once (one catch-up).
 *   A sync that never ran waits for its next cron time: no run was due before it was scheduled.
 */
export function dueAtStart(t: Timed, lastStart: number | null, now: number): number | null {
  if (t.kind === 'every') return lastStart === null ? now : Math.max(now, lastStart + t.ms);
  if (lastStart === null) return dueAfter(t, now);
  const missed = dueAfter(t, lastStart);
  return missed !== null && missed <= now ? now : missed;
}

/** The schedule in words, for `sync list`. */
export function describeSchedule(s: Schedule): string {
  if (s === 'manual') return 'manual';
  if ('every' in s) return `every ${s.every}`;
  if ('cron' in s) return `cron ${s.cron} (${s.timezone})`;
  return `after ${s.after}`;
}

/** The syncs to run when `name` ends `succeeded`: those scheduled `{ after: name }`. */
export function chainedAfter(syncs: Readonly<Record<string, { readonly schedule: Schedule }>>, name: string): string[] {
  return Object.entries(syncs)
    .filter(([, s]) => typeof s.schedule === 'object' && 'after' in s.schedule && s.schedule.after === name)
    .map(([n]) => n);
}
