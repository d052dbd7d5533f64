const DAY_MS = 86_400_000;

/** `YYYY-MM-DD`, a calendar date (UTC). */
export const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Midnight UTC of a `YYYY-MM-DD` date, or NaN when it is not a real date (`2026-02-30`). */
export function dateMs(date: string): number {
  if (!DATE.test(date)) return Number.NaN;
  const ms = Date.parse(`${date}T00:00:00.000Z`);
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date ? Number.NaN : ms;
}

export const isDate = (s: string): boolean => !Number.isNaN(dateMs(s));

/** The date (UTC) of an instant, `YYYY-MM-DD`. */
export const dateOf = (at: Date): string => at.toISOString().slice(0, 10);

/** `date` plus `days` calendar days. */
export const addDays = (date: string, days: number): string => new Date(dateMs(date) + days * DAY_MS).toISOString().slice(0, 10);

/**
 * Where a member stands in time: before the start date, in the team (`days` since the start date,
 * day 0 being the start date itself), or after the end date (the end date is the last day).
 */
export type Tenure =
  | { readonly band: 'not-started'; readonly days: number }
  | { readonly band: 'active'; readonly days: number }
  | { readonly band: 'ended'; readonly days: number };

export function tenureOf(member: { readonly startDate: string; readonly endDate: string | null }, at: Date): Tenure {
  const days = Math.floor((at.getTime() - dateMs(member.startDate)) / DAY_MS);
  if (days < 0) return { band: 'not-started', days };
  if (member.endDate !== null && at.getTime() >= dateMs(member.endDate) + DAY_MS) return { band: 'ended', days };
  return { band: 'active', days };
}
