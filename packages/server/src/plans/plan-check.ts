import type { Warehouse } from '../warehouse/warehouse.js';
import { jsonArray, jsonObject, REPORT_ROW_LIMIT, type ReceivedRange } from './plan-rows.js';
import type { ViolationAction, ViolationKind } from './violations.js';

/** Violations of one kind at one place of one event, over a range (`touchline plan check`, the dashboard). */
export interface ViolationGroup {
  /** Event name (track) or the call type (`identify`, `group`). */
  readonly event: string;
  readonly kind: ViolationKind;
  readonly path: string;
  readonly message: string;
  readonly action: ViolationAction;
  readonly count: number;
  /** Up to three message ids of events with this violation, newest first (find them in events or failed_events). */
  readonly examples: readonly string[];
  readonly planVersions: readonly string[];
}

export interface ViolationReport {
  /** Events with at least one violation: stored (allow, drop) and quarantined (block). */
  readonly stored: number;
  readonly quarantined: number;
  readonly groups: readonly ViolationGroup[];
  /** More rows than a report reads: counts are of the newest {@link REPORT_ROW_LIMIT}. */
  readonly truncated: boolean;
}

interface Acc {
  event: string;
  kind: ViolationKind;
  path: string;
  message: string;
  action: ViolationAction;
  count: number;
  examples: string[];
  versions: Set<string>;
}

function nameOfRaw(raw: unknown): string {
  const e = jsonObject(raw);
  if (!e) return '(unreadable)';
  return typeof e['event'] === 'string' ? e['event'] : typeof e['type'] === 'string' ? e['type'] : '(unknown)';
}

/** Violations recorded over `range` (optionally one source), grouped by event, kind and path. */
export async function readViolations(w: Warehouse, range: ReceivedRange, sourceId?: string): Promise<ViolationReport> {
  const b = w.dialect.binding('v');
  const where = `plan_violations IS NOT NULL AND received_at >= ${b.timestamp(range.sinceMs)} AND received_at < ${b.timestamp(range.untilMs)}${
    sourceId === undefined ? '' : ` AND source_id = ${b.string(sourceId)}`
  }`;
  // Two statements, not a UNION: ClickHouse 18 wants identical column types on both sides.
  const reads: [string, string][] = [
    ['stored', `SELECT message_id, coalesce(event, type) AS name, plan_version, plan_violations FROM events WHERE ${where} ORDER BY received_at DESC LIMIT ${REPORT_ROW_LIMIT + 1}`],
    ['quarantined', `SELECT message_id, raw, plan_version, plan_violations FROM failed_events WHERE ${where} ORDER BY received_at DESC LIMIT ${REPORT_ROW_LIMIT + 1}`],
  ];
  const groups = new Map<string, Acc>();
  const seen = { stored: 0, quarantined: 0 };
  let truncated = false;
  for (const [status, sql] of reads) {
    let rows = 0;
    for await (const chunk of w.stream(sql, { params: b.params })) {
      for (const r of chunk) {
        if (++rows > REPORT_ROW_LIMIT) {
          truncated = true;
          break;
        }
        seen[status as keyof typeof seen]++;
        const event = 'raw' in r ? nameOfRaw(r['raw']) : String(r['name'] ?? '');
        for (const v of jsonArray(r['plan_violations'])) addViolation(groups, event, v, String(r['message_id'] ?? ''), String(r['plan_version'] ?? ''));
      }
    }
  }
  const out = [...groups.values()]
    .map((g) => ({ event: g.event, kind: g.kind, path: g.path, message: g.message, action: g.action, count: g.count, examples: g.examples, planVersions: [...g.versions].sort() }))
    .sort((a, b2) => b2.count - a.count || a.event.localeCompare(b2.event) || a.path.localeCompare(b2.path));
  return { stored: seen.stored, quarantined: seen.quarantined, groups: out, truncated };
}

function addViolation(groups: Map<string, Acc>, event: string, v: unknown, messageId: string, version: string): void {
  const o = jsonObject(v);
  if (!o) return;
  const kind = String(o['kind']) as ViolationKind;
  const path = String(o['path']);
  const action = String(o['action']) as ViolationAction;
  const k = JSON.stringify([event, kind, path, action]);
  let g = groups.get(k);
  if (!g) groups.set(k, (g = { event, kind, path, action, message: String(o['message']), count: 0, examples: [], versions: new Set() }));
  g.count++;
  if (g.examples.length < 3 && messageId && !g.examples.includes(messageId)) g.examples.push(messageId);
  if (version) g.versions.add(version);
}
