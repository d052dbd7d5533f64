import { ClientError } from '../http/client-error.js';

export const DAY_MS = 86_400_000;

/** A half-open range of whole UTC days: `[sinceMs, untilMs)`. */
export interface DayRange {
  readonly sinceMs: number;
  readonly untilMs: number;
}

/** Ranges longer than this are refused: every page reads day rows, and a decade is already 3,650. */
const MAX_DAYS = 3660;

function dayOf(v: unknown, key: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new ClientError(400, 'bad_request', `${key}: give a day as YYYY-MM-DD`);
  const ms = Date.parse(`${v}T00:00:00Z`);
  if (Number.isNaN(ms)) throw new ClientError(400, 'bad_request', `${key}: ${v} is not a day`);
  return ms;
}

/**
 * The range of a dashboard request's `since` / `until` (days, `until` inclusive), the last 90
 * days by default. Whole UTC days, so every tile of a page reads the same rows.
 */
export function dayRangeOf(query: unknown, now: number): DayRange {
  const q = (query ?? {}) as Record<string, unknown>;
  const until = dayOf(q['until'], 'until');
  const since = dayOf(q['since'], 'since');
  const untilMs = (until ?? Math.floor(now / DAY_MS) * DAY_MS) + DAY_MS;
  const sinceMs = since ?? untilMs - 90 * DAY_MS;
  if (sinceMs >= untilMs) throw new ClientError(400, 'bad_request', 'since: must be on or before until');
  if (untilMs - sinceMs > MAX_DAYS * DAY_MS) throw new ClientError(400, 'bad_request', `since / until: at most ${MAX_DAYS} days at once`);
  return { sinceMs, untilMs };
}

/** `YYYY-MM-DD` of a UTC day number (days since 1970-01-01). */
export function dayText(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}
