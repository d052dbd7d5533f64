import type { Validation } from '@touchline/protocol';
import type { CompiledPlan, PlanModes } from './compile-plan.js';
import type { PlansConfig } from './plan-settings.js';
import type { Violation } from './violations.js';

/** What a judged event's row carries: the plan version, and its violations (none: absent). */
export interface PlanMark {
  readonly plan_version: string;
  readonly plan_violations?: readonly Violation[];
}

/** A batch after the plan: blocked events become refusals; each judged event has its mark. */
export interface JudgedBatch {
  readonly checked: readonly Validation[];
  readonly marks: readonly (PlanMark | undefined)[];
}

/** The collector's one hook (ingest.ts): judges a validated batch against the plan in force. */
export interface PlanGate {
  judgeBatch(checked: readonly Validation[], sourceId: string): JudgedBatch;
}

const DEFAULT_MODES: PlanModes = { mode: 'allow', unplannedEvents: 'allow', unplannedProperties: 'allow' };

/** The modes of a source: its own entry over `plans.default` over allow/allow/allow. */
export function modesOf(config: PlansConfig, sourceName: string | undefined): PlanModes {
  const own = sourceName === undefined ? undefined : config.sources[sourceName];
  return {
    mode: own?.mode ?? config.default.mode ?? DEFAULT_MODES.mode,
    unplannedEvents: own?.unplannedEvents ?? config.default.unplannedEvents ?? DEFAULT_MODES.unplannedEvents,
    unplannedProperties: own?.unplannedProperties ?? config.default.unplannedProperties ?? DEFAULT_MODES.unplannedProperties,
  };
}

/** Why a blocked event was quarantined, in failed_events' `reason` and `field`. */
function refusalOf(plan: CompiledPlan, violations: readonly Violation[]): { reason: string; field: string } {
  const blocked = violations.filter((v) => v.action === 'blocked');
  const first = blocked[0]!;
  const more = blocked.length > 1 ? ` (and ${blocked.length - 1} more)` : '';
  return { reason: `tracking plan ${plan.name} ${plan.version}: ${first.kind} at ${first.path}: ${first.message}${more}`, field: first.path };
}

/**
 * The gate over whatever plan is in force now (`current` changes on reload; a batch is judged by
 * one plan). Without a plan, or for a source in `off` mode, events pass untouched and unmarked.
 */
export function createPlanGate(current: () => CompiledPlan | undefined, config: PlansConfig, sourceName: (sourceId: string) => string | undefined): PlanGate {
  return {
    judgeBatch(checked, sourceId) {
      const plan = current();
      if (!plan) return { checked, marks: [] };
      const modes = modesOf(config, sourceName(sourceId));
      if (modes.mode === 'off') return { checked, marks: [] };
      const out: Validation[] = new Array<Validation>(checked.length);
      const marks: (PlanMark | undefined)[] = new Array<PlanMark | undefined>(checked.length);
      for (let i = 0; i < checked.length; i++) {
        const v = checked[i]!;
        const verdict = v.ok ? plan.judge(v.event, modes) : undefined;
        if (!verdict) {
          out[i] = v;
          continue;
        }
        marks[i] = verdict.violations.length > 0 ? { plan_version: plan.version, plan_violations: verdict.violations } : { plan_version: plan.version };
        out[i] = verdict.block ? { ok: false, ...refusalOf(plan, verdict.violations) } : verdict.event === (v as { event: unknown }).event ? v : { ok: true, event: verdict.event };
      }
      return { checked: out, marks };
    },
  };
}

/** The collector's call: the batch judged by `gate`, or as it was when there is none. */
export function judgeWithPlan(gate: PlanGate | undefined, checked: readonly Validation[], sourceId: string): JudgedBatch {
  return gate ? gate.judgeBatch(checked, sourceId) : { checked, marks: [] };
}
