import type { Warehouse } from '../warehouse/warehouse.js';
import type { CompiledPlan, PlanModes } from './compile-plan.js';
import { storedCalls, type ReceivedRange } from './plan-rows.js';
import type { ViolationKind } from './violations.js';

/** One place where the plans differ over real traffic: how many calls each flags (or blocks) there. */
export interface DiffLine {
  readonly event: string;
  readonly kind: ViolationKind;
  readonly path: string;
  readonly current: number;
  readonly next: number;
  /** Of `next`: calls the new plan would quarantine for this violation. */
  readonly nextBlocked: number;
}

export interface PlanDiff {
  readonly currentVersion: string | null;
  readonly nextVersion: string;
  /** Track, identify and group calls of the range that were judged. */
  readonly calls: number;
  /** Calls each plan would quarantine under each source's modes. */
  readonly currentBlocked: number;
  readonly nextBlocked: number;
  /** Calls with at least one violation (recorded, dropped or blocked). */
  readonly currentFlagged: number;
  readonly nextFlagged: number;
  /** Calls the new plan would quarantine that the plan in force stores. */
  readonly newlyBlocked: number;
  /** Up to three of those, by message id. */
  readonly newlyBlockedExamples: readonly string[];
  readonly lines: readonly DiffLine[];
}

/**
 * `touchline plan diff <new-plan>`: judges the stored calls of `range` with the plan in force and
 * with the new one, under each source's modes, and says what the change would block or flag.
 * Stored calls only: what the plan in force quarantined is in failed_events (plan check shows it).
 */
export async function diffPlans(w: Warehouse, range: ReceivedRange, current: CompiledPlan | undefined, next: CompiledPlan, modesOf: (sourceId: string) => PlanModes): Promise<PlanDiff> {
  const lines = new Map<string, { event: string; kind: ViolationKind; path: string; current: number; next: number; nextBlocked: number }>();
  const t = { calls: 0, currentBlocked: 0, nextBlocked: 0, currentFlagged: 0, nextFlagged: 0, newlyBlocked: 0 };
  const examples: string[] = [];
  for await (const { sourceId, messageId, event } of storedCalls(w, range)) {
    // A source in `off` is judged as in `allow`: the diff shows what it would flag once turned on.
    const m = modesOf(sourceId);
    const modes: PlanModes = m.mode === 'off' ? { ...m, mode: 'allow' } : m;
    const a = current?.judge(event, modes);
    const b = next.judge(event, modes);
    t.calls++;
    const name = event.type === 'track' ? (event.event ?? '') : event.type;
    for (const [verdict, side] of [[a, 'current'], [b, 'next']] as const) {
      if (!verdict) continue;
      if (verdict.block) t[`${side}Blocked`]++;
      if (verdict.violations.length > 0) t[`${side}Flagged`]++;
      for (const v of verdict.violations) {
        const k = JSON.stringify([name, v.kind, v.path]);
        let l = lines.get(k);
        if (!l) lines.set(k, (l = { event: name, kind: v.kind, path: v.path, current: 0, next: 0, nextBlocked: 0 }));
        l[side]++;
        if (side === 'next' && v.action === 'blocked') l.nextBlocked++;
      }
    }
    if (b?.block && !a?.block) {
      t.newlyBlocked++;
      if (examples.length < 3) examples.push(messageId);
    }
  }
  const sorted = [...lines.values()].filter((l) => l.current !== l.next || l.nextBlocked > 0).sort((x, y) => Math.abs(y.next - y.current) - Math.abs(x.next - x.current) || x.event.localeCompare(y.event));
  return { currentVersion: current?.version ?? null, nextVersion: next.version, ...t, newlyBlockedExamples: examples, lines: sorted };
}
