import type { Clock } from '../clock/clock.js';
import type { PolicySettings } from '../policy/policy-defaults.js';
import { WarehouseEngine } from '../warehouse/engine.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { pendingMutations } from './erase-person.js';

export type RetentionSettings = PolicySettings['retention'];

/** One run of the retention job: rows changed by kind (counted before the change). */
export interface RetentionRun {
  readonly at: string;
  /** Events whose raw IP and user agent were cleared. */
  readonly ipUserAgentCleared: number;
  readonly eventsDeleted: number;
  readonly syncRowResultsDeleted: number;
  readonly failedEventsDeleted: number;
  /** ClickHouse tables whose mutation was still running when the run ended. */
  readonly pending: readonly string[];
}

interface Step {
  readonly key: keyof Omit<RetentionRun, 'at' | 'pending'>;
  readonly days: number | null;
  /** The stored table on each engine, and the rows past the cutoff (`$CUTOFF`). */
  readonly table: (duck: boolean) => string;
  readonly where: string;
  /** DuckDB: UPDATE … SET; ClickHouse: ALTER … UPDATE. Absent: the rows are deleted. */
  readonly set?: string;
}

function steps(s: RetentionSettings): Step[] {
  return [
    { key: 'ipUserAgentCleared', days: s.ipUserAgentDays, table: (d) => (d ? 'events' : 'events_store'), where: `"timestamp" < $CUTOFF AND (ip IS NOT NULL OR user_agent IS NOT NULL)`, set: 'ip = NULL, user_agent = NULL' },
    { key: 'eventsDeleted', days: s.eventsDays, table: (d) => (d ? 'events' : 'events_store'), where: `"timestamp" < $CUTOFF` },
    { key: 'syncRowResultsDeleted', days: s.syncRowResultsDays, table: () => 'sync_row_results', where: `recorded_at < $CUTOFF` },
    { key: 'failedEventsDeleted', days: s.failedEventsDays, table: (d) => (d ? 'failed_events' : 'failed_events_store'), where: `received_at < $CUTOFF` },
  ];
}

/**
 * Applies the retention policy once, as of `now`: raw IPs and user agents cleared (the browser,
 * OS and device columns derived from them stay), events, sync row results and failed events
 * deleted past their days. The cutoffs are computed here (never input): a timestamp literal of
 * the warehouse's dialect. On ClickHouse each change is a mutation, finished in the background.
 */
export async function enforceRetention(w: Warehouse, s: RetentionSettings, now: Date): Promise<RetentionRun> {
  const duck = w.engine === WarehouseEngine.DuckDB;
  const counts: Record<Step['key'], number> = { ipUserAgentCleared: 0, eventsDeleted: 0, syncRowResultsDeleted: 0, failedEventsDeleted: 0 };
  const at = now.toISOString();
  for (const step of steps(s)) {
    if (step.days === null) continue;
    const where = step.where.replace('$CUTOFF', w.dialect.timestamp(now.getTime() - step.days * 86_400_000));
    const table = w.dialect.quoteIdent(step.table(duck));
    const n = Number((await w.query(`SELECT count(*) FROM ${table} WHERE ${where}`)).rows[0]?.[0] ?? 0);
    counts[step.key] = n;
    if (n === 0) continue;
    const sql = step.set
      ? duck ? `UPDATE ${table} SET ${step.set} WHERE ${where}` : `ALTER TABLE ${table} UPDATE ${step.set} WHERE ${where}`
      : duck ? `DELETE FROM ${table} WHERE ${where}` : `ALTER TABLE ${table} DELETE WHERE ${where}`;
    await w.query(sql, { readOnly: false });
  }
  return { at, ...counts, pending: await pendingMutations(w, at) };
}

export interface RetentionJob {
  /** The last run, or null before the first. */
  last(): RetentionRun | null;
  /** Runs now (the schedule's own runs never overlap one started here). */
  runNow(): Promise<RetentionRun>;
  stop(): void;
}

/**
 * The retention job: at start and every `everyMs`, with the policy as it is then, one log line
 * per run with its counts (shown by `touchline status` too). A failed run is logged and retried
 * at the next tick.
 */
export function scheduleRetention(o: {
  readonly warehouse: Warehouse;
  readonly settings: () => RetentionSettings;
  readonly clock: Clock;
  readonly log: (msg: string, fields?: Record<string, unknown>) => void;
  /** @defaultValue 6 h */
  readonly everyMs?: number;
}): RetentionJob {
  let last: RetentionRun | null = null;
  let running: Promise<RetentionRun> | null = null;
  const runNow = (): Promise<RetentionRun> => {
    running ??= enforceRetention(o.warehouse, o.settings(), new Date(o.clock.now()))
      .then((r) => {
        last = r;
        o.log('retention: applied the policy', { ...r });
        return r;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const tick = () => void runNow().catch((err: Error) => o.log('retention: the run failed; it runs again at the next tick', { error: err.message }));
  const anyOn = () => Object.values(o.settings()).some((d) => d !== null);
  const stop = o.clock.every(o.everyMs ?? 6 * 3_600_000, () => anyOn() && tick());
  if (anyOn()) tick();
  return { last: () => last, runNow, stop };
}
