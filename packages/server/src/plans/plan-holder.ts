import type { CompiledPlan } from './compile-plan.js';
import { loadPlan } from './load-plan.js';

/** What a reload did: the version now in force, and the one before. */
export interface PlanReload {
  readonly version: string;
  readonly previousVersion: string | null;
  readonly events: number;
}

/**
 * The plan in force. Loaded at start; `reload()` (SIGHUP, `POST /admin/plans/reload`) reads the
 * file again and swaps the compiled plan in one assignment, so a batch is judged wholly by one
 * version. A plan that fails to load leaves the one in force in place, and the error says why.
 */
export interface PlanHolder {
  current(): CompiledPlan | undefined;
  reload(): Promise<PlanReload>;
}

export async function openPlanHolder(path: string | undefined, load: (path: string) => Promise<CompiledPlan> = loadPlan): Promise<PlanHolder> {
  let plan = path === undefined ? undefined : await load(path);
  return {
    current: () => plan,
    async reload() {
      if (path === undefined) throw new Error('no tracking plan is configured: set plans.path and restart');
      const next = await load(path);
      const previousVersion = plan?.version ?? null;
      plan = next;
      return { version: next.version, previousVersion, events: Object.keys(next.document.events).length };
    },
  };
}
