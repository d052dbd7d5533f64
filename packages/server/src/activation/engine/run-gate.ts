import type { Clock } from '@touchline/destinations';
import type { DiffCounts, RunRecord } from '../store/records.js';
import type { SyncStore } from '../store/sync-store.js';
import type { ResolvedSync } from './resolve-sync.js';

/** A real run, planned (staged and diffed) and not yet sending: what a gate decides on. */
export interface PlannedRun {
  readonly run: RunRecord;
  readonly resolved: ResolvedSync;
  readonly counts: DiffCounts;
  readonly tables: { readonly stage: string; readonly diff: string };
  /** Rows the source staged. */
  readonly stagedRows: number;
  /** The blast-radius guard's reason to stop, or null. */
  readonly guard: string | null;
  /** No real run or baseline of this sync has succeeded before. */
  readonly firstRealRun: boolean;
  readonly store: SyncStore;
  readonly clock: Clock;
}

/** Send (noting the approval that lets it), or stop the run awaiting the approval named. */
export type GateVerdict =
  | { readonly go: true; readonly approvalId?: string }
  | { readonly go: false; readonly approvalId: string; readonly reason: string };

/**
 * Whether a planned real run may send. The engine knows no people: the admin routes hand it the
 * gate of the member who asked (src/approvals/). A run without a gate (the scheduler, the CLI's
 * offline mode) has no one to ask, so a crossed blast-radius guard fails it.
 */
export interface RunGate {
  check(plan: PlannedRun): Promise<GateVerdict>;
}
