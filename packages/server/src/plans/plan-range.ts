import type { ReceivedRange } from './plan-rows.js';

/** A relative span (`7d`, `36h`) or a date/time (`2026-05-01`, ISO-8601), as ms since the epoch. */
function pointOf(text: string, now: number, name: string): number {
  const rel = /^(\d{1,5})([dh])$/.exec(text);
  if (rel) return now - Number(rel[1]) * (rel[2] === 'd' ? 86_400_000 : 3_600_000);
  const t = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(t)) throw new RangeError(`${name}: "${text.slice(0, 40)}" is neither a span like 7d / 36h nor a date like 2026-05-01`);
  return t;
}

/** `--since` / `--until` as a range ending now by default; throws RangeError naming the flag. */
export function receivedRange(since: string | undefined, until: string | undefined, now: number, defaultDays = 7): ReceivedRange {
  const sinceMs = since === undefined ? now - defaultDays * 86_400_000 : pointOf(since, now, 'since');
  const untilMs = until === undefined ? now + 1 : pointOf(until, now, 'until');
  if (untilMs <= sinceMs) throw new RangeError(`until must be after since`);
  return { sinceMs, untilMs };
}
