import { isDay } from './pull-http.js';

const DAY_MS = 86_400_000;

/** `day` moved by `n` days (UTC calendar arithmetic, so no time zone shifts it). */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Every day from `since` to `until`, both included. */
export function daysOf(since: string, until: string): string[] {
  const out: string[] = [];
  for (let d = since; d <= until; d = addDays(d, 1)) out.push(d);
  return out;
}

export interface WindowInput {
  /** Today (UTC) as `YYYY-MM-DD`. */
  readonly today: string;
  /** Days re-pulled by default, today included: networks restate recent days. */
  readonly lookbackDays: number;
  /** The last day a pull of this account covered, or null when it was never pulled. */
  readonly lastPulled: string | null;
  readonly since?: string | undefined;
  readonly until?: string | undefined;
  /** The furthest a default window reaches back to close a gap (a schedule that was off). @defaultValue 90 */
  readonly maxCatchUpDays?: number;
}

/**
 * The days one account's pull covers. `--since/--until` win (a backfill). Otherwise the last
 * `lookbackDays` up to today, reaching further back to the day after the last pulled one when a
 * gap opened (the schedule was off for a while), but never more than `maxCatchUpDays`.
 * Returns why not when the explicit days are not days or run backwards.
 */
export function pullWindow(w: WindowInput): { since: string; until: string } | { error: string } {
  for (const [k, v] of [['--since', w.since], ['--until', w.until]] as const) {
    if (v !== undefined && !isDay(v)) return { error: `${k} ${JSON.stringify(v)} is not a day written YYYY-MM-DD` };
  }
  const until = w.until ?? w.today;
  let since = w.since;
  if (since === undefined) {
    since = addDays(until, -(Math.max(1, w.lookbackDays) - 1));
    const floor = addDays(until, -((w.maxCatchUpDays ?? 90) - 1));
    if (w.lastPulled !== null && addDays(w.lastPulled, 1) < since) since = addDays(w.lastPulled, 1) < floor ? floor : addDays(w.lastPulled, 1);
  }
  if (since > until) return { error: `--since ${since} is after --until ${until}` };
  return { since, until };
}
