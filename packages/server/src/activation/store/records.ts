import type { Receipt, RowCode } from '@touchline/destinations';
import type { RunStatus } from './run-status.js';
import type { SyncConfig } from '../config/activation-config.js';

/** What a row does to the destination: a sync's diff op, or a forwarded event. */
export type RowOp = 'add' | 'change' | 'remove' | 'forward';

/** A row's fate: `delivered` and `rejected` are final answers; `failed` means not delivered yet. */
export type FinalStatus = 'delivered' | 'rejected' | 'failed';

/** What a run is for: a real run, a test-mode run (nothing counted), or adopting rows as synced. */
export type RunKind = 'run' | 'test' | 'baseline';

export const RUN_KINDS: readonly RunKind[] = ['run', 'test', 'baseline'];

/**
 * What started a run: the CLI in its own process, the scheduler, the admin API (also the CLI
 * talking to a running server), the server resuming an interrupted run at start, or the end of
 * the sync it is scheduled `after` (`chain`).
 */
export type RunTrigger = 'cli' | 'schedule' | 'api' | 'startup' | 'chain';

export const RUN_TRIGGERS: readonly RunTrigger[] = ['cli', 'schedule', 'api', 'startup', 'chain'];

/** A sync's mode, as configured. */
export type SyncMode = SyncConfig['mode'];

/**
 * The status one attempt left a row in (`sync_row_results.status`): final (`delivered`,
 * `rejected`, `failed`: not delivered after every retry), or why it goes again: `retrying`
 * (backoff), `rate_limited` (the vendor's wait), `isolating` (an atomic batch was refused without
 * naming the row: it goes again in a smaller batch). `accepted`: the vendor took the request and
 * decides later (asynchronous outcomes, the row has a `receipt`): counted as delivered until the
 * verdict, which is recorded as a later result of the same attempt (late-verdicts.ts).
 */
export type ResultStatus = FinalStatus | 'retrying' | 'rate_limited' | 'isolating' | 'accepted';

/** One `sync_runs` row, as the engine sees it. Times are ISO-8601 strings. */
export interface RunRecord {
  readonly runId: string;
  readonly syncName: string;
  readonly kind: RunKind;
  readonly status: RunStatus;
  readonly trigger: RunTrigger;
  readonly mode: SyncMode;
  readonly destination: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly heartbeatAt: string | null;
  /** `host:pid:nonce` of the process running it. */
  readonly owner: string | null;
  readonly stageTable: string | null;
  readonly plannedAdd: number;
  readonly plannedChange: number;
  readonly plannedRemove: number;
  readonly delivered: number;
  readonly rejected: number;
  readonly failed: number;
  readonly requests: number;
  readonly resumes: number;
  readonly error: string | null;
  readonly details: Readonly<Record<string, unknown>>;
}

/** What a sync remembers about one primary key. */
export interface StateRecord {
  readonly pk: string;
  readonly hash: string;
  /** `delivered`, or `rejected` (refused for good: not resent until the row changes). */
  readonly status: 'delivered' | 'rejected';
  readonly dedupKey: string | null;
  /** The destination row last sent (kept for CRMs: mirror removals and dry-run diffs; never for ad networks). */
  readonly row: Readonly<Record<string, unknown>> | null;
}

/** One attempt for one row, for `sync_row_results`. */
export interface ResultRecord {
  readonly runId: string;
  readonly syncName: string;
  readonly pk: string;
  readonly op: RowOp;
  readonly attempt: number;
  readonly status: ResultStatus;
  /** Touchline's code (a closed set, `ROW_CODES`): null for a row delivered cleanly. */
  readonly code: RowCode | null;
  /** The vendor's own code, when it gave one (or, for a row map refused, the vendor's name for the problem). */
  readonly vendorCode: string | null;
  readonly reason: string | null;
  readonly field: string | null;
  readonly dedupKey: string | null;
  readonly httpStatus: number | null;
  /** What was sent for this row (the vendor payload: identifiers already hashed). */
  readonly request: unknown;
  /** What came back about this row. */
  readonly answer: unknown;
  /** The vendor's receipt when its verdict comes later (asynchronous outcomes); else null. */
  readonly receipt: Receipt | null;
  readonly at: number;
}

/** One checkpoint: written together (in one transaction where the engine has them). */
export interface Checkpoint {
  readonly syncName: string;
  readonly runId: string;
  readonly results: readonly ResultRecord[];
  readonly states: readonly StateRecord[];
  /** Primary keys the destination no longer holds (mirror removals that were delivered). */
  readonly removals: readonly string[];
  /** The run's new counters (absent for forwarding, which has no runs). */
  readonly run?: RunRecord;
}

export interface DiffCounts {
  readonly add: number;
  readonly change: number;
  readonly remove: number;
}

/** One row of a run's diff, with what the engine needs to send it. */
export interface DiffRow {
  readonly pk: string;
  readonly op: Exclude<RowOp, 'forward'>;
  readonly hash: string;
  /** The staged source row (add, change), without Touchline's own columns. */
  readonly row: Readonly<Record<string, unknown>> | null;
  /** What the sync last sent for this key (change, remove), when it was kept. */
  readonly before: Readonly<Record<string, unknown>> | null;
}

export interface StageInfo {
  readonly table: string;
  readonly rows: number;
  readonly columns: readonly string[];
}
