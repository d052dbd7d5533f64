import type { RunRecord } from '../store/records.js';
import type { DeliveryEnd } from './delivery.js';
import { refusalOverLimit } from './run-refusals.js';
import { transition } from './run-state.js';

/** A stop asked of a run: `paused` keeps it resumable, `cancelled` does not. */
export interface StopRequest {
  readonly to: 'paused' | 'cancelled';
  readonly reason: string;
}

export interface FinishInput {
  readonly run: RunRecord;
  readonly end: DeliveryEnd;
  readonly stop: StopRequest | null;
  /** Why the last checkpoint (counters, heartbeat) could not be written, or null. */
  readonly checkpointError: string | null;
  readonly now: number;
  readonly maxAttempts: number;
  /** The sync's `maxRefusedPercent`: more refused rows than this make the run `partially_failed`. */
  readonly maxRefusedPercent: number;
}

/** Why a lost final checkpoint matters, for the run's error. */
const lostCheckpoint = (error: string) =>
  `could not write the run's last checkpoint: ${error}; rows acknowledged since the previous checkpoint are sent again on the next run, with the same dedup keys`;

/**
 * The run a delivery ends in, decided without I/O:
 * - stopped: `paused` (resumable) or `cancelled`, as asked;
 * - the delivery failed (credentials, a lost checkpoint mid-run): `failed` with its reason;
 * - the last checkpoint could not be written: `failed`, never `succeeded` — the recorded
 *   counters and state are behind what the vendor has;
 * - rows still undelivered after every retry: `failed` (they are in the next run's diff);
 * - more rows refused by the vendor than `maxRefusedPercent`: `partially_failed`;
 * - else `succeeded`.
 */
export function finishedRun(i: FinishInput): RunRecord {
  const at = new Date(i.now).toISOString();
  const lost = i.checkpointError === null ? null : lostCheckpoint(i.checkpointError);
  if (i.end.kind === 'stopped' && i.stop?.to === 'paused') return transition(i.run, 'paused', { heartbeatAt: at, owner: null, error: lost });
  if (i.end.kind === 'stopped') {
    const reason = i.stop?.reason ?? i.end.reason;
    return transition(i.run, 'cancelled', { finishedAt: at, error: lost ? `${reason}; ${lost}` : reason });
  }
  if (i.end.kind === 'fatal') return transition(i.run, 'failed', { finishedAt: at, error: lost ? `${i.end.reason}; ${lost}` : i.end.reason });
  if (lost) return transition(i.run, 'failed', { finishedAt: at, error: lost });
  if (i.run.failed > 0) {
    return transition(i.run, 'failed', {
      finishedAt: at,
      error: `${i.run.failed} row(s) were not delivered after ${i.maxAttempts} attempts; they are sent again on the next run (see sync_row_results)`,
    });
  }
  const refused = refusalOverLimit(i.run, i.maxRefusedPercent);
  if (refused) return transition(i.run, 'partially_failed', { finishedAt: at, error: refused });
  return transition(i.run, 'succeeded', { finishedAt: at });
}
