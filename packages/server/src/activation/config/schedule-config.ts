import { Cron } from 'croner';
import { z } from 'zod';
import { parseDuration } from './duration.js';

const duration = z.string().refine((s) => parseDuration(s) !== undefined, { message: 'a duration such as 30s, 15m, 6h or 1d' });

/** Whether `tz` is an IANA time zone this runtime knows. */
function knownTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false; // RangeError: not a time zone; the schema reports it
  }
}

/** The cron pattern's error, or null when croner accepts it. */
function cronError(pattern: string): string | null {
  try {
    new Cron(pattern, { paused: true });
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * When a sync runs by itself (in `touchline start`):
 * - `manual`: only from the CLI, the admin API or the dashboard;
 * - `{ every }`: `every` after its last run started (at once when it never ran);
 * - `{ cron, timezone }`: at the times of a cron expression (5 fields, or 6 with seconds),
 *   read in `timezone` (an IANA name; default UTC), so `0 9 * * 1-5` is 9:00 in that zone
 *   summer and winter;
 * - `{ after }`: when the named sync's run ends `succeeded` (a chain: load, then model, then sync).
 */
export const ScheduleSchema = z
  .union([
    z.literal('manual'),
    z.object({ every: duration }).strict(),
    z
      .object({
        cron: z.string().min(1).superRefine((p, ctx) => {
          const e = cronError(p);
          if (e) ctx.addIssue({ code: 'custom', message: `not a cron expression: ${e}` });
        }),
        /** @defaultValue UTC */
        timezone: z.string().refine(knownTimeZone, { message: 'an IANA time zone such as Europe/Berlin or America/New_York' }).default('UTC'),
      })
      .strict(),
    z.object({ after: z.string().min(1) }).strict(),
  ])
  .default('manual');
export type Schedule = z.infer<typeof ScheduleSchema>;

/**
 * Cross-checks of `after` chains: the named sync exists, and no chain comes back to where it
 * started (a cycle would never start, or run forever). Each problem is reported on the sync
 * whose schedule names it, naming every sync of the cycle.
 */
export function checkScheduleChains(syncs: Readonly<Record<string, { readonly schedule: Schedule }>>, ctx: z.RefinementCtx): void {
  const afterOf = (name: string): string | null => {
    const s = syncs[name]?.schedule;
    return s !== undefined && typeof s === 'object' && 'after' in s ? s.after : null;
  };
  const reported = new Set<string>();
  for (const name of Object.keys(syncs)) {
    const first = afterOf(name);
    if (first === null) continue;
    if (!syncs[first]) {
      ctx.addIssue({ code: 'custom', path: ['syncs', name, 'schedule', 'after'], message: `no sync "${first}" to run after (configured: ${Object.keys(syncs).join(', ')})` });
      continue;
    }
    const path = [name];
    for (let next: string | null = first; next !== null; next = afterOf(next)) {
      const at = path.indexOf(next);
      if (at >= 0) {
        const cycle = path.slice(at);
        const key = [...cycle].sort().join(',');
        if (!reported.has(key)) {
          reported.add(key);
          ctx.addIssue({ code: 'custom', path: ['syncs', name, 'schedule', 'after'], message: `the syncs ${cycle.join(' -> ')} -> ${next} run after each other in a cycle: none of them would ever start; schedule one of them with every or cron` });
        }
        break;
      }
      path.push(next);
    }
  }
}
