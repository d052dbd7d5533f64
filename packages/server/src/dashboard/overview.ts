import type { Warehouse } from '../warehouse/warehouse.js';
import { dayText, DAY_MS, type DayRange } from './date-range.js';
import {
  arrivalsByLibrarySql,
  attributableSql,
  conversionsByDaySql,
  eventsByDaySql,
  failedByDaySql,
  sessionHealthSql,
  rolledArrivalsSql,
  rolledConversionsSql,
  rolledSessionHealthSql,
  rolledEventsByDaySql,
  rolledVisitorsSql,
  visitorsSql,
  type Statement,
} from './overview-sql.js';
import type { ModelSql } from '../identity/model-views.js';

export interface OverviewDay {
  readonly day: string;
  readonly events: number;
  readonly visitors: number;
  readonly conversions: number;
  readonly revenue: number;
  readonly failed: number;
}

/** What the Overview page shows: every number read from the warehouse for one range of days. */
export interface Overview {
  readonly since: string;
  readonly until: string;
  /** One row per day of the range, zeros included (a chart without gaps). */
  readonly days: OverviewDay[];
  readonly totals: { events: number; visitors: number; conversions: number; revenue: number; failed: number };
  readonly health: {
    sessions: number;
    withUtm: number;
    withClickId: number;
    withTouch: number;
    conversions: number;
    attributable: number;
    arrivals: { library: string; arrivals: number }[];
  };
}

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

async function rows(w: Warehouse, s: Statement): Promise<Record<string, unknown>[]> {
  const r = await w.query(s.sql, { params: s.params });
  return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]])));
}

/**
 * Reads the Overview: events, visitors and arrivals from the daily rollups where there are some
 * (DuckDB; `rolled`), else from the events; conversions with filtered scans of the conversion
 * events; health from the stored sessions.
 */
export async function readOverview(w: Warehouse, m: ModelSql, r: DayRange, rolled: boolean): Promise<Overview> {
  const f = w.dialect;
  const [events, visitors, conversions, failed, health, attributable, arrivals] = await Promise.all([
    rows(w, rolled ? rolledEventsByDaySql(f, r) : eventsByDaySql(f, r)),
    rows(w, rolled ? rolledVisitorsSql(f, r) : visitorsSql(f, r)),
    rows(w, rolled ? rolledConversionsSql(f, r) : conversionsByDaySql(m, r)),
    rows(w, failedByDaySql(f, r)),
    rows(w, rolled ? rolledSessionHealthSql(f, r) : sessionHealthSql(f, r)),
    rolled ? Promise.resolve([]) : rows(w, attributableSql(m, r)),
    rows(w, rolled ? rolledArrivalsSql(f, r) : arrivalsByLibrarySql(f, r)),
  ]);
  const byDay = new Map<number, { events: number; visitors: number; conversions: number; revenue: number; failed: number }>();
  const first = r.sinceMs / DAY_MS;
  const last = r.untilMs / DAY_MS;
  for (let d = first; d < last; d++) byDay.set(d, { events: 0, visitors: 0, conversions: 0, revenue: 0, failed: 0 });
  for (const e of events) Object.assign(byDay.get(num(e['day'])) ?? {}, { events: num(e['events']), visitors: num(e['visitors']) });
  for (const c of conversions) Object.assign(byDay.get(num(c['day'])) ?? {}, { conversions: num(c['conversions']), revenue: num(c['revenue']) });
  for (const x of failed) Object.assign(byDay.get(num(x['day'])) ?? {}, { failed: num(x['failed']) });
  const days = [...byDay.entries()].map(([d, v]) => ({ day: dayText(d), ...v }));
  const sum = (k: keyof OverviewDay) => days.reduce((s, d) => s + (d[k] as number), 0);
  const h = health[0] ?? {};
  // Rolled up: the attributable count sits in each day's conversion row.
  const a = rolled ? { conversions: sum('conversions'), attributable: conversions.reduce((s, c) => s + num(c['attributable']), 0) } : (attributable[0] ?? {});
  return {
    since: dayText(first),
    until: dayText(last - 1),
    days,
    totals: { events: sum('events'), visitors: num(visitors[0]?.['visitors']), conversions: sum('conversions'), revenue: sum('revenue'), failed: sum('failed') },
    health: {
      sessions: num(h['sessions']),
      withUtm: num(h['with_utm']),
      withClickId: num(h['with_click_id']),
      withTouch: num(h['with_touch']),
      conversions: num(a['conversions']),
      attributable: num(a['attributable']),
      arrivals: arrivals.map((x) => ({ library: String(x['library']), arrivals: num(x['arrivals']) })),
    },
  };
}
